/**
 * The phonebook screen of a registered client: header (who, which relay, connection), the key-change
 * alarms, an incoming-call prompt, the contact list, the call panel, the last notice, security findings,
 * and the keys. It reads the session's state snapshot and sends commands; it holds only the selection.
 */
import { Box, Text, useInput, useStdout } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { PhonebookSession } from '../app/phonebook-session.js';
import { wallClock } from '../media/clock.js';
import { CallPanel } from './call-panel.js';
import { ContactList } from './contact-list.js';
import { shortId } from './format.js';
import { IncomingCall } from './incoming-call.js';
import { KeyAlarms } from './key-alarm.js';

export interface MainScreenProps {
  readonly session: PhonebookSession;
  readonly onQuit: () => void;
}

export function MainScreen({ session, onQuit }: MainScreenProps) {
  const state = useSyncExternalStore(session.subscribe, session.getState);
  const [selected, setSelected] = useState(0);
  const now = useClock(state.call.kind === 'dialing' || state.call.kind === 'active' ? 1000 : 0);
  useBell(state.alarms.length);

  const contacts = state.contacts;
  const index = Math.min(selected, Math.max(0, contacts.length - 1));
  const current = contacts[index];
  const call = state.call;

  useInput((input, key) => {
    if (key.upArrow) setSelected(Math.max(0, index - 1));
    else if (key.downArrow) setSelected(Math.min(contacts.length - 1, index + 1));
    else if (call.kind === 'incoming' && input === 'a') session.answer();
    else if (call.kind === 'incoming' && input === 'r') session.reject();
    else if ((call.kind === 'dialing' || call.kind === 'active') && (input === 'h' || key.escape))
      session.hangUp();
    else if (key.return && current !== undefined && (call.kind === 'idle' || call.kind === 'ended')) {
      void session.call(current.name);
    } else if (input === 'l' && current !== undefined) void session.lookup(current.name);
    else if (input === 'k' && state.alarms.length > 0) session.acceptKey(state.alarms[0]!.name);
    else if (input === 'x' && state.alarms.length > 0) session.dismissAlarm(state.alarms[0]!.name);
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
          · you are <Text bold>{state.self.name}</Text> <Text dimColor>({shortId(state.self.clientId)})</Text>{' '}
          · relay {relay === undefined ? '–' : `${relay.host}:${relay.port}`}{' '}
          <Text color={connected ? 'green' : 'yellow'}>
            {connected ? '● connected' : `◌ ${state.connection}`}
          </Text>
        </Text>
      </Box>
      <KeyAlarms alarms={state.alarms} />
      {call.kind === 'incoming' ? (
        <IncomingCall name={call.peer.name} safetyNumber={call.safetyNumber} />
      ) : null}
      <Text bold> Contacts</Text>
      <ContactList contacts={contacts} selected={index} />
      <CallPanel call={call} now={now} />
      {state.notice === undefined ? null : (
        <Text
          color={state.notice.level === 'error' ? 'red' : state.notice.level === 'warn' ? 'yellow' : 'white'}
        >
          {' '}
          {state.notice.text}
        </Text>
      )}
      {state.findings.filter((f) => f.severity !== 'info').length === 0 ? null : (
        <Text color="yellow">
          {' '}
          security:{' '}
          {state.findings
            .filter((f) => f.severity !== 'info')
            .map((f) => `${f.code} (${f.severity})`)
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
