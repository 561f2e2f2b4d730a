/**
 * What the phonebook shows, as one immutable snapshot: the terminal UI renders it, the headless mode and
 * the tests read it. Each change makes a new object, so React's useSyncExternalStore sees every update.
 */
import type {
  CallSnapshot,
  ConnectionStateName,
  ContactInfo,
  RelayEntry,
  SecurityFinding,
} from '@leitung/client';
import type { CallQuality } from '../media/call-media.js';
import type { AudioEnvironment } from '../media/devices.js';
import type { CallRecord } from './call-log.js';

/** A contact's key is not the one pinned: the alarm stays on screen until accepted or dismissed. */
export interface KeyAlarm {
  readonly name: string;
  /** Fingerprint (client id, hex) of the pinned key. */
  readonly pinnedClientId: string;
  /** Fingerprint of the key the directory now shows. */
  readonly newClientId: string;
  /** Safety number with the new key, to compare out of band before accepting it. */
  readonly safetyNumber: string | undefined;
  /** `lookup`: came with a verified inclusion proof (can be accepted); `phonebook`: look it up first. */
  readonly source: 'lookup' | 'phonebook';
  readonly at: number;
}

export interface Notice {
  readonly level: 'info' | 'warn' | 'error';
  readonly text: string;
  readonly at: number;
}

/**
 * The phonebook's own part of a live call: the audio devices or files and how the call sounds. The call
 * itself is the client's snapshot (`PhonebookState.call`), shown as it is.
 */
export interface CallAudio {
  readonly callId: string;
  /** The audio source and sink are open and running. */
  readonly playing: boolean;
  readonly quality: CallQuality | undefined;
  readonly source: string;
  readonly sink: string;
}

/** The phonebook's sound: what the start-up probe found, the chosen devices, mute and volume. */
export interface SoundState {
  /** What the probe found (devices.ts); undefined until it ran, or when this session has no devices. */
  readonly environment: AudioEnvironment | undefined;
  /** Problems in plain words ("no microphone found — …"), empty when all is well. */
  readonly problems: readonly string[];
  /** Devices chosen on the settings screen (undefined: the system's default); used from the next call. */
  readonly inputDevice: string | undefined;
  readonly outputDevice: string | undefined;
  /** The command line's files and tone, which take the place of the devices. */
  readonly files: {
    readonly input: string | undefined;
    readonly output: string | undefined;
    readonly tone: boolean;
  };
  /** The other side receives silence. */
  readonly muted: boolean;
  /** Playback volume, percent. */
  readonly volume: number;
  /** The ring tone plays. */
  readonly ringing: boolean;
}

/** Someone called during a call and was answered busy (call waiting). */
export interface WaitingCall {
  readonly name: string;
  readonly at: number;
}

/** Where the call stands, for key handling: what `h`, `a`, `r` and Enter do. */
export type CallStage = 'none' | 'outgoing' | 'incoming' | 'live';

export function callStage(call: CallSnapshot | undefined): CallStage {
  if (call === undefined) return 'none';
  switch (call.phase) {
    case 'dialing':
      return 'outgoing';
    case 'ringing':
      return call.direction === 'outgoing' ? 'outgoing' : 'incoming';
    case 'connecting-media':
    case 'active':
    case 'reconnecting':
      return 'live';
    case 'ended':
      return 'none';
  }
}

export interface PhonebookState {
  readonly self: { readonly name: string; readonly clientId: string };
  readonly connection: ConnectionStateName;
  readonly relay: RelayEntry | undefined;
  /** Everyone in the directory but this client. */
  readonly contacts: readonly ContactInfo[];
  /**
   * The current or last call exactly as the client reports it (docs/client.md "Call state"): the phonebook
   * renders this snapshot and never rebuilds call state from single events.
   */
  readonly call: CallSnapshot | undefined;
  /** Audio of the live call; undefined outside one. */
  readonly audio: CallAudio | undefined;
  readonly alarms: readonly KeyAlarm[];
  readonly findings: readonly SecurityFinding[];
  readonly notice: Notice | undefined;
  readonly sound: SoundState;
  /** Call history, newest first (kept in the vault's settings). */
  readonly history: readonly CallRecord[];
  /** Missed calls not seen yet (shown in the header until the history screen is opened). */
  readonly missed: number;
  /** A call answered busy during the current call, shown to the callee while that call lasts. */
  readonly waiting: WaitingCall | undefined;
}
