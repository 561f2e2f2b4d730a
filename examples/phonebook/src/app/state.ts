/**
 * What the phonebook shows, as one immutable snapshot: the terminal UI renders it, the headless mode and
 * the tests read it. Each change makes a new object, so React's useSyncExternalStore sees every update.
 */
import type { ConnectionStateName, ContactInfo, Peer, RelayEntry, SecurityFinding } from '@leitung/client';
import type { CallQuality } from '../media/call-media.js';

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

export type CallView =
  | { readonly kind: 'idle' }
  /** Looking the contact up (inclusion proof), sending the signed offer, ringing at the other end. */
  | { readonly kind: 'dialing'; readonly peerName: string; readonly since: number; readonly ringing: boolean }
  | {
      readonly kind: 'incoming';
      readonly callId: string;
      readonly peer: Peer;
      /** For comparing out of band before answering. */
      readonly safetyNumber: string;
      readonly since: number;
    }
  | {
      readonly kind: 'active';
      readonly callId: string;
      readonly peer: Peer;
      readonly role: 'caller' | 'callee';
      readonly safetyNumber: string | undefined;
      /** How the call's keys were agreed (post-quantum hybrid), as the client reports it. */
      readonly keyExchange: string;
      readonly since: number;
      /** Media bound at the relay: audio flows. */
      readonly bound: boolean;
      readonly quality: CallQuality | undefined;
      readonly source: string;
      readonly sink: string;
    }
  | {
      readonly kind: 'ended';
      readonly peerName: string | undefined;
      readonly reason: string;
      readonly by: 'local' | 'remote';
      readonly code: string | undefined;
      readonly at: number;
    };

export interface PhonebookState {
  readonly self: { readonly name: string; readonly clientId: string };
  readonly connection: ConnectionStateName;
  readonly relay: RelayEntry | undefined;
  /** Everyone in the directory but this client. */
  readonly contacts: readonly ContactInfo[];
  readonly call: CallView;
  readonly alarms: readonly KeyAlarm[];
  readonly findings: readonly SecurityFinding[];
  readonly notice: Notice | undefined;
}
