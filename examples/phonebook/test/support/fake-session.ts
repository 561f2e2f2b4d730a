/**
 * A stand-in for PhonebookSession on the screens (the `ScreenSession` part): a state the test sets and
 * a log of the commands the keys sent. For what needs no relay: long lists, search, help, quitting.
 */
import type { CallSnapshot, ContactInfo } from '@leitung/client';
import type { CallRecord } from '../../src/app/call-log.js';
import type { PhonebookState } from '../../src/app/state.js';
import type { ScreenSession } from '../../src/tui/main-screen.js';

export function fakeContacts(count: number): ContactInfo[] {
  return Array.from({ length: count }, (_, i) => ({
    clientId: (i + 1).toString(16).padStart(64, 'a'),
    name: `contact-${String(i + 1).padStart(2, '0')}`,
    online: i % 3 === 0,
    verification: i % 4 === 0 ? ('verified' as const) : ('unverified' as const),
  }));
}

export function fakeState(patch: Partial<PhonebookState> = {}): PhonebookState {
  return {
    self: { name: 'alice', clientId: '9c1209dd2ec851de'.padEnd(64, '0') },
    connection: 'ready',
    relay: { host: '127.0.0.1', port: 5060, mediaPort: 5061, fingerprint: 'f'.repeat(64) },
    contacts: [],
    call: undefined,
    audio: undefined,
    alarms: [],
    findings: [],
    notice: undefined,
    history: [],
    missed: 0,
    waiting: undefined,
    sound: {
      environment: undefined,
      problems: [],
      inputDevice: undefined,
      outputDevice: undefined,
      files: { input: undefined, output: undefined, tone: false },
      muted: false,
      volume: 100,
      ringing: false,
    },
    ...patch,
  };
}

/** A live call with `name`, answered `secondsAgo` seconds ago. */
export function liveCall(name: string, secondsAgo = 5): CallSnapshot {
  const now = Date.now();
  return {
    phase: 'active',
    callId: '00'.repeat(16),
    direction: 'outgoing',
    since: now - secondsAgo * 1000,
    peer: { clientId: 'b'.repeat(64), name },
    role: 'caller',
    safetyNumber: Array.from({ length: 12 }, () => '12345').join(' '),
    keyExchange: 'ML-KEM-768 + X25519 + RSA-OAEP-4096',
    answeredAt: now - secondsAgo * 1000,
    media: 'bound',
    audio: 'flowing',
  };
}

export class FakeSession implements ScreenSession {
  state: PhonebookState;
  readonly commands: string[] = [];
  /** The calls the screen prepared (`prepareCall`), in order. */
  readonly prepared: string[] = [];
  readonly #listeners = new Set<() => void>();

  constructor(state: PhonebookState) {
    this.state = state;
  }

  set(patch: Partial<PhonebookState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of [...this.#listeners]) l();
  }

  readonly subscribe = (listener: () => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly getState = () => this.state;

  answer(): void {
    this.commands.push('answer');
  }
  reject(): void {
    this.commands.push('reject');
  }
  hangUp(): void {
    this.commands.push('hang-up');
  }
  async call(name: string): Promise<void> {
    this.commands.push(`call ${name}`);
  }
  prepareCall(name: string): void {
    this.prepared.push(name);
  }
  async lookup(name: string): Promise<void> {
    this.commands.push(`lookup ${name}`);
  }
  acceptKey(name: string): void {
    this.commands.push(`accept-key ${name}`);
  }
  dismissAlarm(name: string): void {
    this.commands.push(`dismiss ${name}`);
  }
  toggleMute(): void {
    this.commands.push('mute');
    this.set({ sound: { ...this.state.sound, muted: !this.state.sound.muted } });
  }
  changeVolume(delta: number): void {
    this.commands.push(`volume ${delta}`);
    this.set({ sound: { ...this.state.sound, volume: this.state.sound.volume + delta } });
  }
  async setDevices(choice: {
    readonly input?: string | undefined;
    readonly output?: string | undefined;
  }): Promise<void> {
    this.commands.push(`devices ${JSON.stringify(choice)}`);
  }
  audioCheck(): undefined {
    this.commands.push('audio-check');
    return undefined;
  }
  markMissedSeen(): void {
    this.commands.push('seen');
    const history: CallRecord[] = this.state.history.map((r) => ({ ...r, seen: true }));
    this.set({ history, missed: 0 });
  }
}
