/**
 * What arrives on a cluster's pub/sub channels, checked before it reaches the relay. Redis is not trusted
 * with content (docs/operations.md "Trust model"): ids must be hex of the right length, messages must
 * decode as what a relay may send, and every name must pass the name policy. A parser returns undefined
 * for what it ignores and throws (RelayError / WireError / SyntaxError) for what is malformed; the node
 * drops both.
 */
import { type ControlMessage, decodeMessage } from '@leitung/wire';
import { checkName } from '../directory/name-policy.js';
import type { ClusterCall, ForwardedCallMessage, ForwardingParty } from '../signalling/cluster-calls.js';
import { INBOX_DELIVER, INBOX_FORWARD } from './redis-signalling.js';

/** A relay's client came online or went offline. */
export interface PresenceChange {
  readonly relay: string;
  readonly client: string;
  readonly online: boolean;
}

export type CallChange =
  | { readonly op: 'set'; readonly call: ClusterCall }
  | { readonly op: 'delete'; readonly key: string };

/** A broadcast's header: the publishing relay and the client it excludes; the message is decoded later. */
export interface BroadcastFrame {
  readonly from: string;
  readonly except: string | undefined;
  readonly payload: Uint8Array;
}

/** A frame on this relay's inbox: a message for one of its clients, or a forwarded call message. */
export type InboxFrame =
  | { readonly kind: 'deliver'; readonly clientId: string; readonly message: ControlMessage }
  | { readonly kind: 'forward'; readonly party: ForwardingParty; readonly message: ForwardedCallMessage };

export function parsePresence(text: string): PresenceChange | undefined {
  const change = JSON.parse(text) as { r?: unknown; c?: unknown; o?: unknown };
  if (!isHex(change.r, 64) || !isHex(change.c, 64) || typeof change.o !== 'boolean') return undefined;
  return { relay: change.r, client: change.c, online: change.o };
}

export function parseCallChange(text: string): CallChange | undefined {
  const change = JSON.parse(text) as { op: string; call?: unknown; key?: unknown };
  if (change.op === 'set') {
    const call = parseCall(JSON.stringify(change.call));
    return call === undefined ? undefined : { op: 'set', call };
  }
  if (change.op === 'delete' && isHex(change.key, 32)) return { op: 'delete', key: change.key };
  return undefined;
}

/** A call of the call table (a hash value, or the `call` of a `set` change). */
export function parseCall(text: string): ClusterCall | undefined {
  try {
    const value = JSON.parse(text) as Partial<ClusterCall>;
    if (
      isHex(value.key, 32) &&
      isHex(value.caller, 64) &&
      isHex(value.callee, 64) &&
      isHex(value.relay, 64)
    ) {
      return { key: value.key, caller: value.caller, callee: value.callee, relay: value.relay };
    }
  } catch {
    // Not a call: ignored.
  }
  return undefined;
}

/** from(32) ‖ except(32, zeros for none) ‖ message. */
export function parseBroadcast(frame: Buffer): BroadcastFrame | undefined {
  if (frame.length < 64) return undefined;
  const except = frame.subarray(32, 64);
  return {
    from: frame.subarray(0, 32).toString('hex'),
    except: except.every((b) => b === 0) ? undefined : except.toString('hex'),
    payload: frame.subarray(64),
  };
}

/** DELIVER: kind ‖ client id(32) ‖ message. FORWARD: kind ‖ client id(32) ‖ name length ‖ name ‖ message. */
export function parseInbox(frame: Buffer): InboxFrame | undefined {
  const kind = frame[0];
  if (kind === INBOX_DELIVER && frame.length > 33) {
    return {
      kind: 'deliver',
      clientId: frame.subarray(1, 33).toString('hex'),
      message: relayMessage(frame.subarray(33)),
    };
  }
  if (kind !== INBOX_FORWARD || frame.length <= 34) return undefined;
  const clientIdBytes = Uint8Array.from(frame.subarray(1, 33));
  const nameLength = frame[33] ?? 0;
  if (frame.length < 34 + nameLength) return undefined;
  const name = new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(34, 34 + nameLength));
  // The forwarding relay's authenticated client: an empty name (a party gone offline) or a policy name.
  if (name !== '') checkName(name);
  const message = decodeMessage(frame.subarray(34 + nameLength), { from: 'client' });
  if (message.type !== 'CALL_RESPONSE' && message.type !== 'CALL_END' && message.type !== 'CALL_RESUME') {
    return undefined;
  }
  const party = { clientId: Buffer.from(clientIdBytes).toString('hex'), clientIdBytes, name };
  return { kind: 'forward', party, message };
}

/**
 * A message another relay published for clients of this one: it must decode as a relay → client message
 * and every name it carries must pass the name policy (else RelayError / WireError: dropped by the caller).
 */
export function relayMessage(payload: Uint8Array): ControlMessage {
  const message = decodeMessage(payload, { from: 'relay' });
  if (message.type === 'INCOMING_CALL') checkName(message.callerName);
  if (message.type === 'PHONEBOOK_DELTA')
    for (const change of message.changes) checkName(change.contact.name);
  return message;
}

function isHex(value: unknown, length: number): value is string {
  return typeof value === 'string' && value.length === length && /^[0-9a-f]*$/.test(value);
}
