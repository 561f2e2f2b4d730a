/** Liveness and load for relay selection (docs/design.md §6). */
import { bytes, struct, u32, u64 } from '../codec/schema.js';
import { FIELD_LIMITS as L } from './field-limits.js';
import { defineMessage } from './message-definition.js';

/** Client → relay. Keepalive and round-trip probe. */
export interface Ping {
  type: 'PING';
  /** Random value echoed in the PONG. 8 bytes. */
  nonce: Uint8Array;
  /** Client's clock when sent, milliseconds since the Unix epoch (informational). u64. */
  sentAt: number;
}

export const pingMessage = defineMessage<Ping>()(
  'PING',
  'client',
  struct({ nonce: bytes(L.pingNonceBytes), sentAt: u64 }),
);

/** A relay's load as reported in PONG. */
export interface RelayLoad {
  /** Clients connected now. u32. */
  clients: number;
  /** Calls in progress. u32. */
  calls: number;
  /** Media packets forwarded per second, recent average. u32. */
  packetsPerSecond: number;
  /** Media packets per second this relay is provisioned to forward; load = packetsPerSecond / capacity. u32. */
  capacity: number;
}

/** Relay → client. Answers a PING. */
export interface Pong {
  type: 'PONG';
  /** The PING's nonce. 8 bytes. */
  nonce: Uint8Array;
  /** The relay's current load. */
  load: RelayLoad;
}

export const pongMessage = defineMessage<Pong>()(
  'PONG',
  'relay',
  struct({
    nonce: bytes(L.pingNonceBytes),
    load: struct({ clients: u32, calls: u32, packetsPerSecond: u32, capacity: u32 }),
  }),
);
