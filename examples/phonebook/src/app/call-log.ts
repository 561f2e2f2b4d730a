/**
 * Call history, as a phone keeps it: when, with whom, which way, how long, and how it ended — and which
 * missed calls the user has not looked at yet. It lives in the vault's settings (`phonebook.history`,
 * written with the vault's atomic save), so it is encrypted with everything else and survives restarts.
 * It holds names and times only: no call id, key, safety number or address.
 *
 * `CallTracker` turns the client's call snapshots (docs/client.md "Call state") into records: it notes
 * when a call began and was answered, and makes the record when the snapshot says `ended`.
 */
import type { CallSnapshot, SettingValue } from '@leitung/client';

export type CallOutcome =
  /** Talked (answered by either side). */
  | 'answered'
  /** Incoming, not answered: the caller gave up or it rang out. */
  | 'missed'
  /** Incoming while in another call (answered busy), or outgoing to someone in a call. */
  | 'busy'
  /** Rejected: by you (incoming) or by the other side (outgoing). */
  | 'rejected'
  /** Outgoing, rang out. */
  | 'no answer'
  /** Outgoing, the other side was not connected. */
  | 'unreachable'
  /** Outgoing, you hung up before it was answered. */
  | 'cancelled'
  /** The call could not be set up or was lost (a failed check, a lost relay). */
  | 'failed';

export interface CallRecord {
  /** When it began: dialled or started ringing (wall-clock ms). */
  readonly at: number;
  readonly peer: string;
  readonly direction: 'outgoing' | 'incoming';
  /** Talk time, from the answer to the end; 0 when never answered. */
  readonly durationMs: number;
  readonly outcome: CallOutcome;
  /** Missed and busy incoming calls: whether the user has seen them (the history screen). */
  readonly seen?: boolean;
}

/** Where records are kept: the vault's settings (run-tui.tsx) or memory. */
export interface SettingsStore {
  get(key: string): SettingValue | undefined;
  set(key: string, value: SettingValue | undefined): void;
  /** Persists (the vault: atomic write). */
  save(): Promise<void>;
}

export const HISTORY_KEY = 'phonebook.history';
/** Oldest records beyond this are dropped. */
export const HISTORY_LIMIT = 200;

const OUTCOMES: readonly CallOutcome[] = [
  'answered',
  'missed',
  'busy',
  'rejected',
  'no answer',
  'unreachable',
  'cancelled',
  'failed',
];

/** The vault's settings (SecureVault.setting / setSetting; `save` writes the vault atomically). */
export function vaultSettings(vault: {
  setting(key: string): SettingValue | undefined;
  setSetting(key: string, value: SettingValue | undefined): void;
  save(): Promise<void>;
}): SettingsStore {
  return {
    get: (key) => vault.setting(key),
    set: (key, value) => vault.setSetting(key, value),
    save: () => vault.save(),
  };
}

/** A settings store in memory (no vault: tests, or a session without one). */
export function memorySettings(): SettingsStore {
  const values = new Map<string, SettingValue>();
  return {
    get: (key) => values.get(key),
    set: (key, value) => {
      if (value === undefined) values.delete(key);
      else values.set(key, value);
    },
    save: async () => undefined,
  };
}

/** Whether the record is a missed call the user has not seen. */
export function isUnseenMissed(record: CallRecord): boolean {
  return (
    record.direction === 'incoming' &&
    (record.outcome === 'missed' || record.outcome === 'busy') &&
    record.seen !== true
  );
}

/** The stored history, newest first; entries that do not parse are left out. */
export function loadHistory(store: SettingsStore): CallRecord[] {
  const value = store.get(HISTORY_KEY);
  if (!Array.isArray(value)) return [];
  return value.flatMap((item): CallRecord[] => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return [];
    const { at, peer, direction, durationMs, outcome, seen } = item;
    if (
      typeof at !== 'number' ||
      typeof peer !== 'string' ||
      (direction !== 'outgoing' && direction !== 'incoming') ||
      typeof durationMs !== 'number' ||
      typeof outcome !== 'string' ||
      !OUTCOMES.includes(outcome as CallOutcome)
    )
      return [];
    return [
      {
        at,
        peer,
        direction,
        durationMs,
        outcome: outcome as CallOutcome,
        ...(typeof seen === 'boolean' ? { seen } : {}),
      },
    ];
  });
}

export function storeHistory(store: SettingsStore, records: readonly CallRecord[]): void {
  store.set(
    HISTORY_KEY,
    records.slice(0, HISTORY_LIMIT).map((r) => ({ ...r })),
  );
}

interface Tracked {
  readonly direction: 'outgoing' | 'incoming';
  readonly at: number;
  peer: string;
  answeredAt: number | undefined;
  rang: boolean;
}

/** Follows call snapshots and produces one record per call when it ends. */
export class CallTracker {
  #current: { readonly callId: string; readonly tracked: Tracked } | undefined;

  /** Feeds a snapshot; returns the record when this snapshot ended the call. */
  update(call: CallSnapshot, now: number): CallRecord | undefined {
    let entry = this.#current?.callId === call.callId ? this.#current.tracked : undefined;
    if (entry === undefined) {
      if (call.phase === 'ended') return undefined; // a call never seen before it ended
      entry = { direction: call.direction, at: now, peer: '', answeredAt: undefined, rang: false };
      this.#current = { callId: call.callId, tracked: entry };
    }
    switch (call.phase) {
      case 'dialing':
        entry.peer = call.target;
        return undefined;
      case 'ringing':
        entry.peer = call.peer.name;
        entry.rang = true;
        return undefined;
      case 'connecting-media':
      case 'active':
      case 'reconnecting':
        entry.peer = call.peer.name;
        entry.answeredAt ??= now;
        return undefined;
      case 'ended': {
        this.#current = undefined;
        const peer = call.peer?.name ?? call.peerName ?? entry.peer;
        const durationMs = entry.answeredAt === undefined ? 0 : Math.max(0, now - entry.answeredAt);
        const outcome = outcomeOf(entry, call);
        return {
          at: entry.at,
          peer,
          direction: entry.direction,
          durationMs,
          outcome,
          ...(outcome === 'missed' ? { seen: false } : {}),
        };
      }
    }
  }
}

function outcomeOf(entry: Tracked, call: Extract<CallSnapshot, { phase: 'ended' }>): CallOutcome {
  if (entry.answeredAt !== undefined) return 'answered';
  if (entry.direction === 'incoming') {
    if (call.reason === 'rejected' && call.by === 'local') return 'rejected';
    return 'missed';
  }
  switch (call.reason) {
    case 'rejected':
      return 'rejected';
    case 'busy':
      return 'busy';
    case 'timeout':
      return 'no answer';
    case 'offline':
      return 'unreachable';
    case 'hangup':
      return call.by === 'local' ? 'cancelled' : 'rejected';
    default:
      return 'failed';
  }
}

/** "answered", "missed", … in words for the history screen. */
export function outcomeWords(record: CallRecord): string {
  switch (record.outcome) {
    case 'answered':
      return 'answered';
    case 'missed':
      return 'missed';
    case 'busy':
      return record.direction === 'incoming' ? 'missed (you were in a call)' : 'busy';
    case 'rejected':
      return record.direction === 'incoming' ? 'rejected by you' : 'rejected';
    default:
      return record.outcome;
  }
}
