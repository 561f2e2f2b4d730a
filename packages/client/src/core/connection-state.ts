/**
 * The control connection of the client core (docs/client.md "State machines"):
 * idle → connecting → handshaking → ready → closed, and from closed (or idle) a new connect.
 */
import type { ClientHandshake, SealedChannel } from '@leitung/session';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { DirectoryView } from './directory-view.js';

export type Connection =
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting'; readonly relay: RelayEntry; readonly deadline: number }
  | {
      readonly kind: 'handshaking';
      readonly relay: RelayEntry;
      readonly handshake: ClientHandshake;
      readonly deadline: number;
      /** `proving`: the identity key is opening the challenge (a key-operation step is out). */
      step: 'challenge' | 'proving' | 'welcome';
    }
  | {
      readonly kind: 'ready';
      readonly relay: RelayEntry;
      readonly channel: SealedChannel;
      readonly directory: DirectoryView;
      nextPingAt: number;
      outstandingPing: Uint8Array | undefined;
      pingSentAt: number;
      missed: number;
      rttMs: number | undefined;
    }
  | { readonly kind: 'closed'; readonly relay: RelayEntry | undefined; readonly code: string };

/** A registered connection: sealed channel, directory view, keepalive. */
export type ReadyConnection = Extract<Connection, { kind: 'ready' }>;

/** A connection in the registration handshake. */
export type HandshakingConnection = Extract<Connection, { kind: 'handshaking' }>;
