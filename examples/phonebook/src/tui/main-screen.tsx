/**
 * The phonebook screen of a registered client: header (who, which relay, connection), the key-change
 * alarms, an incoming-call prompt, the contact list, the call panel, the last notice, security findings,
 * and the keys. It reads the session's state snapshot and sends commands; it holds only the selection.
 */
import { Box, Text, useInput, useStdout } from 'ink';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { PhonebookSession } from '../app/phonebook-session.js';
import { callStage } from '../app/state.js';
import { wallClock } from '../media/clock.js';
import { CallPanel } from './call-panel.js';
import { ContactList } from './contact-list.js';
import { shown } from './display-text.js';
import { shortId } from './format.js';
import { IncomingCall } from './incoming-call.js';
import { KeyAlarms } from './key-alarm.js';

export interface MainScreenProps {
  readonly session: PhonebookSession;
  readonly onQuit: () => void;
}

export function MainScreen({ session, onQuit }: MainScreenProps) {
  const state = useSyncExternalStore(session.subscribe, session.getState);
  // The selection follows a contact, not a row: when the list re-sorts (someone comes online), Enter must
  // still call the person the cursor was on. A ref, so keys typed faster than React re-renders see it.
  const selection = useRef<string | undefined>(undefined);
  const [, redraw] = useState(0);
  const stage = callStage(state.call);
  const now = useClock(stage === 'outgoing' || stage === 'live' ? 1000 : 0);
  useBell(state.alarms.length);

  const contacts = state.contacts;
  const index = Math.max(
    0,
    contacts.findIndex((c) => c.clientId === selection.current),
  );
  const call = state.call;

  useInput((input, key) => {
    // Read the session's current state, not this render's: the handler may lag a render behind.
    const live = session.getState();
    const list = live.contacts;
    const at = Math.max(
      0,
      list.findIndex((c) => c.clientId === selection.current),
    );
    const here = list[at];
    const select = (to: number) => {
      const contact = list[Math.min(list.length - 1, Math.max(0, to))];
      if (contact === undefined) return;
      selection.current = contact.clientId;
      redraw((n) => n + 1);
    };
    const kind = callStage(live.call);
    const alarm = live.alarms[0];
    if (key.upArrow) select(at - 1);
    else if (key.downArrow) select(at + 1);
    else if (kind === 'incoming' && input === 'a') session.answer();
    else if (kind === 'incoming' && input === 'r') session.reject();
    else if ((kind === 'outgoing' || kind === 'live') && (input === 'h' || key.escape)) session.hangUp();
    else if (key.return && here !== undefined && kind === 'none') void session.call(here.name);
    else if (input === 'l' && here !== undefined) void session.lookup(here.name);
    else if (input === 'k' && alarm !== undefined) session.acceptKey(alarm.name);
    else if (input === 'x' && alarm !== undefined) session.dismissAlarm(alarm.name);
    else if (input === 'q' || (key.ctrl && input === 'c')) onQuit();
  });

  const relay = state.relay;
  const connected = state.connection === 'ready';
  return (
    <Box flexDirection="column">
      <Box borderStyle="round" borderColor="blue" paddingX={1}>
        <Text bold color="blue">
          Leitung phonebook
        </Text>
        <Text>
          {' '}
          · you are <Text bold>{shown(state.self.name)}</Text>{' '}
          <Text dimColor>({shortId(state.self.clientId)})</Text> · relay{' '}
          {relay === undefined ? '–' : `${relay.host}:${relay.port}`}{' '}
          <Text color={connected ? 'green' : 'yellow'}>
            {connected ? '● connected' : `◌ ${state.connection}`}
          </Text>
        </Text>
      </Box>
      <KeyAlarms alarms={state.alarms} />
      {call?.phase === 'ringing' && call.direction === 'incoming' ? (
        <IncomingCall name={call.peer.name} safetyNumber={call.safetyNumber} />
      ) : null}
      <Text bold> Contacts</Text>
      <ContactList contacts={contacts} selected={index} />
      <CallPanel call={call} audio={state.audio} now={now} />
      {state.notice === undefined ? null : (
        <Text
          color={state.notice.level === 'error' ? 'red' : state.notice.level === 'warn' ? 'yellow' : 'white'}
        >
          {' '}
          {shown(state.notice.text)}
        </Text>
      )}
      {state.findings.filter((f) => f.severity !== 'info').length === 0 ? null : (
        <Text color="yellow">
          {' '}
          security:{' '}
          {state.findings
            .filter((f) => f.severity !== 'info')
            .map((f) => `${shown(f.code)} (${f.severity})`)
            .join(', ')}
        </Text>
      )}
      <Text dimColor>{HELP_LINE}</Text>
    </Box>
  );
}

const HELP_LINE =
  ' ↑↓ choose · Enter call · l verify · a answer · r reject · h hang up · k accept key · x dismiss · q quit';

/** Re-renders every `intervalMs` (0: never) so that call timers move. */
function useClock(intervalMs: number): number {
  const [now, setNow] = useState(wallClock());
  useEffect(() => {
    if (intervalMs === 0) return;
    const timer = setInterval(() => setNow(wallClock()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return intervalMs === 0 ? wallClock() : now;
}

/** Rings the terminal bell once for each new alarm (an alarm should be heard as well as seen). */
function useBell(alarms: number): void {
  const { write } = useStdout();
  const [rung, setRung] = useState(0);
  useEffect(() => {
    if (alarms > rung) write('\u0007');
    if (alarms !== rung) setRung(alarms);
  }, [alarms, rung, write]);
}
