/**
 * The events of a phonebook session (`noun:verb`), each stamped with `t`, wall-clock ms (clock.ts). The
 * headless mode prints them — as JSON, one object per line, with `--json` — and the demo and the tests
 * read them from the child's stdout. They carry public values only: names, ids, codes, figures.
 */
import type { ContactInfo, Peer, RelayEntry, SecurityFinding } from '@leitung/client';
import type { CallMarks, CallQuality, CallStats } from '../media/call-media.js';

export type SessionEvent =
  | {
      readonly event: 'registration:complete';
      readonly name: string;
      readonly clientId: string;
      readonly relay: RelayEntry;
      /** TCP connect to the verified WELCOME (RSA challenge, sealed channel, tree head checks). */
      readonly handshakeMs: number | undefined;
      readonly treeHeadChange: string;
    }
  | {
      /** A registration attempt failed: `problem` says what kind, `text` in words (the code is `code`). */
      readonly event: 'registration:failed';
      readonly relay: string;
      readonly attempt: number;
      readonly problem: string;
      readonly code: string;
      readonly text: string;
    }
  | { readonly event: 'connection:state'; readonly state: string }
  | { readonly event: 'phonebook:update'; readonly contacts: readonly ContactInfo[] }
  | { readonly event: 'contact:verified'; readonly name: string; readonly clientId: string }
  | {
      readonly event: 'contact:key-changed';
      readonly name: string;
      readonly pinnedClientId: string;
      readonly newClientId: string;
      readonly source: 'lookup' | 'phonebook';
    }
  | {
      /** The contact's pinned key signed a rotation to a new key, which is pinned now (a notice). */
      readonly event: 'contact:key-rotated';
      readonly name: string;
      readonly previousClientId: string;
      readonly clientId: string;
    }
  | {
      readonly event: 'contact:rejected';
      readonly clientId: string;
      /** Display-safe (escapes visible): the relay sent a name that fails the name policy. */
      readonly name: string;
      readonly reason: string;
    }
  | { readonly event: 'call:dialing'; readonly peer: string }
  | { readonly event: 'call:ringing'; readonly peer: Peer; readonly callId: string }
  | {
      readonly event: 'call:incoming';
      readonly peer: Peer;
      readonly callId: string;
      readonly safetyNumber: string;
    }
  | {
      readonly event: 'call:accepted';
      /** How the call's keys were agreed: the post-quantum hybrid exchange. */
      readonly keyExchange: string;
      readonly peer: Peer;
      readonly callId: string;
      readonly role: 'caller' | 'callee';
      readonly safetyNumber: string | undefined;
    }
  | { readonly event: 'call:failed'; readonly peer: string; readonly code: string; readonly text: string }
  | {
      /** Call waiting: someone called during the call and was answered busy. */
      readonly event: 'call:waiting';
      readonly peer: string;
      readonly callerId: string;
    }
  | { readonly event: 'call:refused'; readonly callerId: string; readonly code: string }
  | { readonly event: 'media:bound'; readonly callId: string; readonly sessionId: number }
  | { readonly event: 'media:failed'; readonly callId: string; readonly code: string }
  | {
      readonly event: 'media:first-frame';
      readonly callId: string;
      readonly firstFrameAt: number;
      readonly firstDecodedAt: number | undefined;
    }
  | { readonly event: 'call:quality'; readonly callId: string; readonly quality: CallQuality }
  | {
      readonly event: 'call:ended';
      readonly callId: string;
      readonly peer: string | undefined;
      readonly reason: string;
      readonly by: 'local' | 'remote';
      readonly code: string | undefined;
    }
  | {
      readonly event: 'call:stats';
      readonly callId: string;
      readonly role: 'caller' | 'callee';
      readonly peer: string;
      /** Caller: when the user dialled (the start of call-setup time). */
      readonly dialAt: number | undefined;
      readonly marks: CallMarks;
      readonly stats: CallStats;
    }
  | { readonly event: 'relay:lost'; readonly relay: RelayEntry; readonly code: string }
  | { readonly event: 'relay:switched'; readonly to: RelayEntry; readonly reason: string }
  | { readonly event: 'security:finding'; readonly finding: SecurityFinding }
  | { readonly event: 'notice'; readonly level: 'info' | 'warn' | 'error'; readonly text: string };

export type StampedEvent = SessionEvent & { readonly t: number };
export type SessionEventName = SessionEvent['event'];
