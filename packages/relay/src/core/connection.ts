/**
 * Per-connection state of the control channel (docs/design.md §3). The phase is a discriminated union; the
 * core switches over it exhaustively:
 *
 *   awaiting-register ──REGISTER──▶ challenged ──PROVE ok──▶ established ──▶ closed
 *          │                             │      │                 │
 *          └──── PING (unsealed) ────────┘      │                 └── every frame sealed
 *                                               └──▶ appending ──append completed──▶ established
 *
 * `appending` exists only in a relay cluster (docs/operations.md "Relay cluster"): a new binding is
 * appended through the cluster's shared log (Redis) before WELCOME, which the shell does asynchronously.
 * `opening` (REGISTER_SEALED being opened), `sealing` (the client's key being checked and the challenge sealed to
 * it) and `proving` (PROVE being decrypted) exist only on a relay with crypto workers (docs/relay.md "Crypto workers"): the shell runs the RSA private-key operation on a worker
 * and hands the result back.
 */
import type { RelayHandshake, SealedChannel } from '@leitung/session';
import { FrameDecoder } from '@leitung/wire';
import { addressKey } from '../protection/address-key.js';
import type { LocalDelivery } from '../signalling/signalling.js';
import type { ConnectionId } from './outputs.js';

/**
 * Where a control connection is in its life (docs/design.md §3): waiting for REGISTER, challenged (PROVE
 * pending), appending its new binding to a cluster's shared log, established (every frame sealed), or closed.
 * The core switches over it exhaustively.
 */
export type ConnectionPhase =
  | { readonly kind: 'awaiting-register' }
  | {
      readonly kind: 'challenged';
      readonly handshake: RelayHandshake;
      readonly name: string;
      readonly publicKey: Uint8Array;
      readonly clientId: string;
      /** Size of the tree head shown in CHALLENGE; WELCOME proves consistency from it. */
      readonly challengeSize: number;
    }
  | { readonly kind: 'opening' }
  | {
      readonly kind: 'sealing';
      readonly handshake: RelayHandshake;
      readonly name: string;
      readonly publicKey: Uint8Array;
      readonly clientId: string;
      readonly challengeSize: number;
    }
  | {
      readonly kind: 'proving';
      readonly handshake: RelayHandshake;
      readonly name: string;
      readonly publicKey: Uint8Array;
      readonly clientId: string;
      readonly challengeSize: number;
    }
  | {
      readonly kind: 'appending';
      readonly channel: SealedChannel;
      readonly name: string;
      readonly publicKey: Uint8Array;
      readonly clientId: string;
      readonly challengeSize: number;
    }
  | {
      readonly kind: 'established';
      readonly channel: SealedChannel;
      readonly clientId: string;
      readonly clientIdBytes: Uint8Array;
      readonly name: string;
      readonly deliver: LocalDelivery;
    }
  | { readonly kind: 'closed' };

export type ChallengedPhase = Extract<ConnectionPhase, { kind: 'challenged' }>;
export type ProvingPhase = Extract<ConnectionPhase, { kind: 'proving' }>;
export type AppendingPhase = Extract<ConnectionPhase, { kind: 'appending' }>;
export type EstablishedPhase = Extract<ConnectionPhase, { kind: 'established' }>;

/**
 * The {@link RelayCore}'s state of one control connection: its id, remote address and the address key quotas
 * count against, framing state, timers and its {@link ConnectionPhase}.
 */
export interface Connection {
  readonly id: ConnectionId;
  readonly remoteIp: string;
  /** What per-address quotas count against: IPv4 /32, IPv6 /64 (docs/relay.md "Handshake slots"). */
  readonly addressKey: string;
  readonly openedAt: number;
  readonly decoder: FrameDecoder;
  /** Time of the last complete frame (idle timeout). */
  lastFrameAt: number;
  /** When the frame now being assembled started arriving (partial-frame timeout). */
  partialSince: number | undefined;
  phase: ConnectionPhase;
}

/** The client id of a connection that has one (challenged or established). */
export function clientIdOf(connection: Connection): string | undefined {
  const phase = connection.phase;
  switch (phase.kind) {
    case 'sealing':
    case 'challenged':
    case 'proving':
    case 'appending':
    case 'established':
      return phase.clientId;
    case 'awaiting-register':
    case 'opening':
    case 'closed':
      return undefined;
  }
}

/** A connection just accepted: it waits for its REGISTER, with the handshake timeout running from now. */
export function newConnection(
  id: ConnectionId,
  remoteIp: string,
  now: number,
  maxFrameSize: number,
): Connection {
  const ip = plainIp(remoteIp);
  return {
    id,
    remoteIp: ip,
    addressKey: addressKey(ip),
    openedAt: now,
    decoder: new FrameDecoder({ maxFrameSize }),
    lastFrameAt: now,
    partialSince: undefined,
    phase: { kind: 'awaiting-register' },
  };
}

/** IPv4-mapped IPv6 (`::ffff:a.b.c.d`, as dual-stack sockets report IPv4 peers) as plain IPv4. */
function plainIp(ip: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? ip.slice(7) : ip;
}
