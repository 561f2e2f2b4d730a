/**
 * The phonebook screen of a registered client: a one-line header (who, which relay, connection, missed
 * calls), the key-change alarms, an incoming call (ringing: terminal bell, and the ring tone where there
 * is a speaker) or a call answered busy, then the contact list — or the help, call history, sound or
 * audio-check screen — the call panel, the last notice, security findings, and the keys.
 *
 * The frame is always one row shorter than the terminal (terminal-size.ts): ink clears the screen and the
 * scrollback when a frame reaches the terminal's height, so the list scrolls inside the rows left under
 * the header instead. It reads the session's state snapshot and sends commands; it holds only what is
 * on screen (selection, search, which screen).
 */
import { Box, type DOMElement, measureElement, Text, useInput, useStdout } from 'ink';
import { type ReactNode, type RefObject, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { isUnseenMissed } from '../app/call-log.js';
import type { PhonebookSession } from '../app/phonebook-session.js';
import { type CallStage, callStage, type PhonebookState } from '../app/state.js';
import type { AudioCheck, AudioCheckState } from '../media/audio-check.js';
import { wallClock } from '../media/clock.js';
import { CallPanel } from './call-panel.js';
import { CheckScreen } from './check-screen.js';
import { ContactList, filterContacts } from './contact-list.js';
import { shown } from './display-text.js';
import { clockTime, elapsed } from './format.js';
import { Header } from './header.js';
import { HelpScreen } from './help-screen.js';
import { HistoryScreen } from './history-screen.js';
import { IncomingCall } from './incoming-call.js';
import { KeyAlarms } from './key-alarm.js';
import { keyAction, type ScreenName } from './keys.js';
import { usePreparedCall } from './prepared-call.js';
import { deviceOptions, SettingsScreen } from './settings-screen.js';
import { frameHeight, useTerminalSize } from './terminal-size.js';

/** What the screen needs of a session (a PhonebookSession; tests may pass a stand-in). */
export type ScreenSession = Pick<
  PhonebookSession,
  | 'subscribe'
  | 'getState'
  | 'answer'
  | 'reject'
  | 'hangUp'
  | 'call'
  | 'prepareCall'
  | 'lookup'
  | 'acceptKey'
  | 'dismissAlarm'
  | 'toggleMute'
  | 'changeVolume'
  | 'setDevices'
  | 'audioCheck'
  | 'markMissedSeen'
>;

export interface MainScreenProps {
  readonly session: ScreenSession;
  readonly onQuit: () => void;
}

/** The terminal bell repeats this often while a call rings. */
export const RING_BELL_MS = 2000;

interface Ui {
  screen: ScreenName;
  typing: boolean;
  query: string;
  confirmingQuit: boolean;
  historyAt: number;
  settingsAt: number;
}

export function MainScreen({ session, onQuit }: MainScreenProps) {
  const state = useSyncExternalStore(session.subscribe, session.getState);
  const { rows, columns } = useTerminalSize();
  const height = frameHeight(rows);
  // The selection follows a contact, not a row: when the list re-sorts (someone comes online), Enter must
  // still call the person the cursor was on. Refs, so keys typed faster than React re-renders see them.
  const selection = useRef<string | undefined>(undefined);
  const ui = useRef<Ui>({
    screen: 'main',
    typing: false,
    query: '',
    confirmingQuit: false,
    historyAt: 0,
    settingsAt: 0,
  });
  const [, redraw] = useState(0);
  const stage = callStage(state.call);
  const now = useClock(stage === 'none' ? 0 : 1000);
  useBell(state.alarms.length);
  useRingBell(stage === 'incoming');
  const area = useRef<DOMElement>(null);
  const areaHeight = useMeasuredHeight(area, height !== undefined);
  const [check, setCheck] = useState<AudioCheckState>({ phase: 'idle' });
  const checkRun = useRef<AudioCheck | undefined>(undefined);
  useEffect(() => () => void checkRun.current?.cancel(), []);

  const u = ui.current;
  const contacts = filterContacts(state.contacts, u.query);
  const index = Math.max(
    0,
    contacts.findIndex((c) => c.clientId === selection.current),
  );
  const call = state.call;
  usePreparedCall(session, u.screen === 'main' && stage === 'none' ? contacts[index]?.name : undefined);

  useInput((input, key) => {
    // Read the session's current state, not this render's: the handler may lag a render behind.
    const live = session.getState();
    const list = filterContacts(live.contacts, u.query);
    const at = Math.max(
      0,
      list.findIndex((c) => c.clientId === selection.current),
    );
    const here = list[at];
    const kind = callStage(live.call);
    const alarm = live.alarms[0];
    const action = keyAction(input, key, {
      screen: u.screen,
      stage: kind,
      typing: u.typing,
      filtered: u.query !== '',
      confirmingQuit: u.confirmingQuit,
      alarm: alarm !== undefined,
    });
    const refilter = () => {
      const now = filterContacts(live.contacts, u.query);
      if (!now.some((c) => c.clientId === selection.current)) selection.current = now[0]?.clientId;
    };
    switch (action.kind) {
      case 'move':
        if (u.screen === 'main') {
          const contact = list[Math.min(list.length - 1, Math.max(0, at + action.by))];
          if (contact !== undefined) selection.current = contact.clientId;
        } else if (u.screen === 'history') {
          u.historyAt = clamp(u.historyAt + action.by, live.history.length);
        } else if (u.screen === 'settings') {
          u.settingsAt = clamp(u.settingsAt + action.by, deviceOptions(live.sound).length);
        }
        break;
      case 'enter':
        if (u.screen === 'main' && here !== undefined && kind === 'none') void session.call(here.name);
        else if (u.screen === 'settings') {
          const option = deviceOptions(live.sound)[u.settingsAt];
          if (option !== undefined) void session.setDevices({ [option.side]: option.device });
        } else if (u.screen === 'check') startCheck();
        break;
      case 'answer':
        session.answer();
        break;
      case 'reject':
        session.reject();
        break;
      case 'hang-up':
        session.hangUp();
        break;
      case 'lookup':
        if (here !== undefined) void session.lookup(here.name);
        break;
      case 'accept-key':
        if (alarm !== undefined) session.acceptKey(alarm.name);
        break;
      case 'dismiss-alarm':
        if (alarm !== undefined) session.dismissAlarm(alarm.name);
        break;
      case 'mute':
        session.toggleMute();
        break;
      case 'volume':
        session.changeVolume(action.delta);
        break;
      case 'screen':
        if (u.screen === 'check' && action.screen !== 'check') void checkRun.current?.cancel();
        u.screen = action.screen;
        if (action.screen === 'history') {
          u.historyAt = 0;
          session.markMissedSeen();
        }
        break;
      case 'search-start':
        u.typing = true;
        break;
      case 'search-type':
        u.query += action.text;
        refilter();
        break;
      case 'search-erase':
        u.query = [...u.query].slice(0, -1).join('');
        refilter();
        break;
      case 'search-done':
        u.typing = false;
        break;
      case 'search-clear':
        u.typing = false;
        u.query = '';
        break;
      case 'ask-quit':
        u.confirmingQuit = true;
        break;
      case 'quit-cancel':
        u.confirmingQuit = false;
        break;
      case 'quit':
        u.confirmingQuit = false;
        if (kind !== 'none') session.hangUp();
        onQuit();
        break;
      case 'none':
        return;
    }
    redraw((n) => n + 1);
  });

  const startCheck = () => {
    const running = checkRun.current?.state.phase;
    if (running === 'recording' || running === 'playing') return;
    const env = session.getState().sound.environment;
    if (env !== undefined && !env.input.works) return; // the screen says why
    const run = session.audioCheck(setCheck);
    if (run === undefined) {
      setCheck({ phase: 'failed', message: 'this session has no sound devices' });
      return;
    }
    checkRun.current = run;
    void run.run();
  };

  const incoming = call?.phase === 'ringing' && call.direction === 'incoming' ? call : undefined;
  const listRows = areaHeight === undefined ? undefined : Math.max(0, areaHeight - 1);
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Header state={state} columns={columns} />
      <Box flexDirection="column" flexShrink={0}>
        <KeyAlarms alarms={state.alarms} />
      </Box>
      {incoming === undefined ? null : (
        <Box flexShrink={0}>
          <IncomingCall
            name={incoming.peer.name}
            safetyNumber={incoming.safetyNumber}
            since={incoming.since}
            now={now}
            tone={state.sound.ringing}
          />
        </Box>
      )}
      {state.waiting === undefined ? null : (
        <Line color="yellow" bold>
          ☎ {shown(state.waiting.name)} is calling — busy (you are in a call; they hear busy)
        </Line>
      )}
      <Box ref={area} flexDirection="column" flexGrow={1} flexShrink={1} overflow="hidden">
        {u.screen === 'main' ? (
          <>
            <ListTitle
              total={state.contacts.length}
              shown={contacts.length}
              query={u.query}
              typing={u.typing}
              rows={listRows}
              selected={index}
            />
            <ContactList
              contacts={contacts}
              selected={index}
              height={listRows}
              emptyText={u.query === '' ? undefined : `Nobody matches "${shown(u.query)}".`}
            />
          </>
        ) : null}
        {u.screen === 'help' ? <HelpScreen /> : null}
        {u.screen === 'history' ? (
          <HistoryScreen history={state.history} selected={u.historyAt} height={areaHeight} now={now} />
        ) : null}
        {u.screen === 'settings' ? (
          <SettingsScreen sound={state.sound} selected={u.settingsAt} height={areaHeight} />
        ) : null}
        {u.screen === 'check' ? <CheckScreen sound={state.sound} check={check} /> : null}
      </Box>
      {u.screen === 'main' ? (
        <Box flexDirection="column" flexShrink={0}>
          <CallPanel call={call} audio={state.audio} now={now} controls={state.sound} />
        </Box>
      ) : (
        <CallLine state={state} stage={stage} now={now} />
      )}
      {state.notice === undefined ? null : (
        <Box flexShrink={0} paddingLeft={1}>
          <Text
            color={
              state.notice.level === 'error' ? 'red' : state.notice.level === 'warn' ? 'yellow' : 'white'
            }
          >
            {shown(state.notice.text)}
          </Text>
        </Box>
      )}
      {u.screen === 'main'
        ? state.sound.problems.map((problem) => (
            <Line key={problem} color="yellow">
              ⚠ {problem}
            </Line>
          ))
        : null}
      <MissedLine state={state} now={now} />
      {state.findings.filter((f) => f.severity !== 'info').length === 0 ? null : (
        <Line color="yellow">
          security:{' '}
          {state.findings
            .filter((f) => f.severity !== 'info')
            .map((f) => `${shown(f.code)} (${f.severity})`)
            .join(', ')}
        </Line>
      )}
      {u.confirmingQuit ? (
        <Line color="yellow" bold>
          Hang up and quit? y/n
        </Line>
      ) : null}
      <Line dim>{footer(u, stage)}</Line>
    </Box>
  );
}

/** One line that never wraps (truncated with an ellipsis) and never shrinks away. */
function Line({
  children,
  color,
  bold = false,
  dim = false,
}: {
  readonly children: ReactNode;
  readonly color?: string;
  readonly bold?: boolean;
  readonly dim?: boolean;
}) {
  return (
    <Box flexShrink={0} paddingLeft={1}>
      <Text wrap="truncate-end" {...(color === undefined ? {} : { color })} bold={bold} dimColor={dim}>
        {children}
      </Text>
    </Box>
  );
}

function ListTitle({
  total,
  shown: count,
  query,
  typing,
  rows,
  selected,
}: {
  readonly total: number;
  readonly shown: number;
  readonly query: string;
  readonly typing: boolean;
  readonly rows: number | undefined;
  readonly selected: number;
}) {
  const scrolled = rows !== undefined && count > rows ? ` · ${selected + 1} of ${count}, ↑↓ scroll` : '';
  if (typing || query !== '') {
    return (
      <Line bold>
        Search: {shown(query)}
        {typing ? <Text inverse> </Text> : ''}{' '}
        <Text dimColor>
          ({count} of {total}){scrolled} · {typing ? 'Enter keep · ' : ''}Esc clears
        </Text>
      </Line>
    );
  }
  return (
    <Line bold>
      Contacts{' '}
      <Text dimColor>
        ({total}){scrolled} · / search
      </Text>
    </Line>
  );
}

/** The missed calls not seen yet: the newest in words, how many more. */
function MissedLine({ state, now }: { readonly state: PhonebookState; readonly now: number }) {
  const unseen = state.history.filter(isUnseenMissed);
  const last = unseen[0];
  if (last === undefined) return null;
  return (
    <Line color="yellow">
      ☎ missed call from {shown(last.peer)} ({clockTime(last.at, now)})
      {last.outcome === 'busy' ? ', you were in a call' : ''}
      {unseen.length > 1 ? ` and ${unseen.length - 1} more` : ''} · c call history
    </Line>
  );
}

/** On the other screens, the call in one line. */
function CallLine({
  state,
  stage,
  now,
}: {
  readonly state: PhonebookState;
  readonly stage: CallStage;
  readonly now: number;
}) {
  const call = state.call;
  if (call === undefined || stage === 'none' || stage === 'incoming') return null;
  const who = call.phase === 'dialing' ? call.target : 'peer' in call && call.peer ? call.peer.name : '';
  const since = 'answeredAt' in call ? call.answeredAt : call.since;
  return (
    <Line color="green">
      {stage === 'outgoing' ? 'Calling' : 'In call with'} {shown(who)} · {elapsed(since, now)}
      {state.sound.muted ? ' · muted' : ''} · volume {state.sound.volume} % · h hang up
    </Line>
  );
}

function footer(u: Ui, stage: CallStage): string {
  if (u.confirmingQuit) return 'y hang up and quit · n stay';
  if (stage === 'incoming') return 'a answer · r reject · ? help';
  if (u.typing && u.screen === 'main') return 'type to filter · ↑↓ choose · Enter keep · Esc clear';
  if (u.screen !== 'main') return 'Esc back · ? help · q quit';
  if (stage !== 'none') return 'h hang up · m mute · +/- volume · c calls · ? help · q quit';
  return '↑↓ choose · Enter call · / search · c calls · s sound · ? help · q quit';
}

function clamp(value: number, count: number): number {
  return Math.max(0, Math.min(count - 1, value));
}

/** The height ink gave `ref`'s box in the last layout (undefined while not limited). */
function useMeasuredHeight(ref: RefObject<DOMElement | null>, limited: boolean): number | undefined {
  const [measured, setMeasured] = useState<number | undefined>(undefined);
  useEffect(() => {
    const next = limited && ref.current !== null ? measureElement(ref.current).height : undefined;
    if (next !== measured) setMeasured(next);
  });
  return measured;
}

/** Re-renders every `intervalMs` (0: never) so that call timers move. */
function useClock(intervalMs: number): number {
  const [now, setNow] = useState(wallClock());
  useEffect(() => {
    if (intervalMs === 0) return;
    setNow(wallClock());
    const timer = setInterval(() => setNow(wallClock()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
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

/** Rings the terminal bell while a call rings: at once, then every RING_BELL_MS. */
function useRingBell(ringing: boolean): void {
  const { write } = useStdout();
  useEffect(() => {
    if (!ringing) return;
    write('\u0007');
    const timer = setInterval(() => write('\u0007'), RING_BELL_MS);
    return () => clearInterval(timer);
  }, [ringing, write]);
}
