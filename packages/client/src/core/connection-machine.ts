/**
 * The control connection's state machine (docs/client.md "State machines"): idle → connecting →
 * handshaking → ready → closed, and from closed (or idle) a new connect. It runs the registration through
 * RegistrationFlow (registration-flow.ts) within the handshake deadline, opens and seals the frames of the
 * ready connection's SealedChannel (docs/session-protocol.md §2), keeps it alive with sealed PING/PONG and
 * ends it on a frame that does not authenticate, a message a relay may not send, or missed keepalives (a
 * dropped connection: the relay manager fails over, docs/design.md §6). What rides on a ready connection —
 * phonebook, lookups, calls — is the ClientCore's, through {@link ConnectionHost}.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import { type ControlMessage, type ControlMessageOf, MESSAGE_SENDER } from '@leitung/wire';
import { bytesEqual } from '../bytes.js';
import { ClientError, ClientErrorCode, errorCodeOf } from '../errors.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { Connection, HandshakingConnection, ReadyConnection } from './connection-state.js';
import { asError } from './core-errors.js';
import type { CoreOutput } from './core-outputs.js';
import type { CoreTiming } from './core-timing.js';
import type { CoreEvent } from './events.js';
import type { HandshakeStep, RegistrationFlow } from './registration-flow.js';

/** What the connection machine needs from the client core. */
export interface ConnectionHost {
  /** A `send`, `close`, `event` or `persist` output for the shell. */
  output(output: CoreOutput): void;
  /** WELCOME verified and the connection ready: what rides on it starts over (presence, phonebook, call). */
  registered(phonebook: ControlMessageOf<'PHONEBOOK_PAGE'>['page'], now: number): void;
  /** A message a relay may send, opened from the sealed channel (PONG is answered here). */
  message(c: ReadyConnection, message: ControlMessage, now: number): void;
  /** The connection is gone: fail its requests, keep a live call for CALL_RESUME. */
  lost(now: number): void;
}

export interface ConnectionMachineOptions {
  readonly crypto: LeitungCrypto;
  readonly timing: Required<CoreTiming>;
  readonly registration: RegistrationFlow;
  /** This client's hex id and name, for `registration:complete`. */
  readonly clientIdHex: string;
  readonly name: string;
  readonly host: ConnectionHost;
}

export class ConnectionMachine {
  readonly #options: ConnectionMachineOptions;
  readonly #host: ConnectionHost;
  #connection: Connection = { kind: 'idle' };

  constructor(options: ConnectionMachineOptions) {
    this.#options = options;
    this.#host = options.host;
  }

  get state(): Connection {
    return this.#connection;
  }

  /** The handshake deadline or the next keepalive, if either is pending. */
  nextTimeout(): number | undefined {
    const c = this.#connection;
    if (c.kind === 'connecting' || c.kind === 'handshaking') return c.deadline;
    return c.kind === 'ready' ? c.nextPingAt : undefined;
  }

  /** The shell is opening a connection to `relay`. Allowed from idle and closed. */
  connect(relay: RelayEntry, now: number): void {
    if (this.#connection.kind !== 'idle' && this.#connection.kind !== 'closed') {
      throw new ClientError(ClientErrorCode.InvalidState, `cannot connect while ${this.#connection.kind}`);
    }
    this.#set({ kind: 'connecting', relay, deadline: now + this.#options.timing.handshakeTimeoutMs });
  }

  /** The connection is open: start the registration (REGISTER). */
  opened(now: number): void {
    const c = this.#connection;
    if (c.kind !== 'connecting') return;
    const handshake = this.#options.registration.handshake(c.relay);
    this.#set({
      kind: 'handshaking',
      relay: c.relay,
      handshake,
      deadline: Math.max(c.deadline, now),
      step: 'challenge',
    });
    this.#send(handshake.start());
  }

  /** The connection closed (by the peer, an error, or after our `close` output). */
  closed(now: number, code: string): void {
    const c = this.#connection;
    if (c.kind === 'idle' || c.kind === 'closed') return;
    if (c.kind === 'handshaking' || c.kind === 'connecting') {
      const error = new ClientError(
        ClientErrorCode.ConnectionClosed,
        'connection closed during registration',
      );
      this.#emit({ type: 'registration:failed', relay: c.relay, code: error.code, error });
    }
    this.#lost(c.relay, code, now);
  }

  /** One frame payload from the control connection. */
  receive(payload: Uint8Array, now: number): void {
    const c = this.#connection;
    switch (c.kind) {
      case 'handshaking':
        this.#onHandshakeFrame(c, payload, now);
        return;
      case 'ready':
        this.#onSealedFrame(c, payload, now);
        return;
      case 'idle':
      case 'connecting':
      case 'closed':
        return;
    }
  }

  /** Advances the handshake deadline and the keepalive. */
  tick(now: number): void {
    const c = this.#connection;
    if ((c.kind === 'connecting' || c.kind === 'handshaking') && now >= c.deadline) {
      const error = new ClientError(ClientErrorCode.Timeout, 'registration timed out');
      this.#emit({ type: 'registration:failed', relay: c.relay, code: error.code, error });
      this.close(ClientErrorCode.Timeout, now);
    }
    if (c.kind === 'ready' && now >= c.nextPingAt) this.#keepalive(c, now);
  }

  /** Seals and sends `message` on the ready connection (dropped otherwise); a sealing error is fatal. */
  sendSealed(message: ControlMessage, now: number): void {
    const c = this.#connection;
    if (c.kind !== 'ready') return;
    try {
      this.#send(c.channel.seal(message));
    } catch (error) {
      this.fail(error, now);
    }
  }

  /** A fatal error on the connection: report, close. */
  fail(error: unknown, now: number): void {
    const err = asError(error);
    const code = errorCodeOf(err) ?? ClientErrorCode.Protocol;
    this.#emit({ type: 'connection:error', code, error: err });
    this.close(code, now);
  }

  /** Asks the shell to close the connection and treats it as gone. */
  close(code: string, now: number): void {
    const c = this.#connection;
    if (c.kind === 'idle' || c.kind === 'closed') return;
    this.#host.output({ kind: 'close', code });
    this.#lost(c.relay, code, now);
  }

  #onHandshakeFrame(c: HandshakingConnection, payload: Uint8Array, now: number): void {
    try {
      const step = this.#options.registration.onFrame(c, payload);
      switch (step.kind) {
        case 'prove':
          this.#send(step.payload);
          return;
        case 'registered':
          this.#registered(c.relay, step, now);
          return;
      }
    } catch (error) {
      const err = asError(error);
      for (const event of this.#options.registration.failureEvents(c, payload, err)) this.#emit(event);
      this.close(errorCodeOf(err) ?? ClientErrorCode.Protocol, now);
    }
  }

  /** WELCOME verified: the connection is ready with the handshake's channel and directory view. */
  #registered(relay: RelayEntry, step: Extract<HandshakeStep, { kind: 'registered' }>, now: number): void {
    const { result, directory, change } = step;
    this.#host.output({ kind: 'persist' });
    this.#set({
      kind: 'ready',
      relay,
      channel: result.channel,
      directory,
      nextPingAt: now + this.#options.timing.keepaliveIntervalMs,
      outstandingPing: undefined,
      pingSentAt: 0,
      missed: 0,
      rttMs: undefined,
    });
    this.#emit({
      type: 'registration:complete',
      clientId: this.#options.clientIdHex,
      name: this.#options.name,
      relay,
      treeHead: result.treeHead,
      treeHeadChange: change,
      flatRoot: result.flatRoot,
    });
    this.#emit({ type: 'tree-head:accepted', logId: directory.logId, size: result.treeHead.size, change });
    this.#host.registered(result.welcome.phonebook, now);
  }

  #onSealedFrame(c: ReadyConnection, payload: Uint8Array, now: number): void {
    let message: ControlMessage;
    try {
      message = c.channel.open(payload);
    } catch (error) {
      // A frame that does not authenticate (or decode) ends the connection: nothing after it can be trusted.
      this.fail(error, now);
      return;
    }
    if (MESSAGE_SENDER[message.type] === 'client') {
      this.fail(new ClientError(ClientErrorCode.Protocol, `relay sent ${message.type}`), now);
      return;
    }
    if (message.type === 'PONG') {
      this.#pong(c, message, now);
      return;
    }
    this.#host.message(c, message, now);
  }

  #keepalive(c: ReadyConnection, now: number): void {
    const { crypto, timing } = this.#options;
    if (c.outstandingPing) {
      c.missed += 1;
      if (c.missed >= timing.keepaliveMisses) {
        // Missed keepalives count as a dropped connection: the relay manager fails over (docs/design.md §6).
        const error = new ClientError(ClientErrorCode.Timeout, 'relay stopped answering keepalives');
        this.#emit({ type: 'connection:error', code: error.code, error });
        this.close(ClientErrorCode.Timeout, now);
        return;
      }
    }
    c.outstandingPing = crypto.randomBytes(8);
    c.pingSentAt = now;
    c.nextPingAt = now + timing.keepaliveIntervalMs;
    this.sendSealed({ type: 'PING', nonce: c.outstandingPing, sentAt: Math.max(0, Math.floor(now)) }, now);
  }

  /** The answer to the outstanding PING: the relay is alive, and the round trip is measured. */
  #pong(c: ReadyConnection, message: ControlMessageOf<'PONG'>, now: number): void {
    if (c.outstandingPing && bytesEqual(message.nonce, c.outstandingPing)) {
      c.outstandingPing = undefined;
      c.missed = 0;
      c.rttMs = now - c.pingSentAt;
    }
  }

  #set(next: Connection): void {
    const before = this.#connection;
    if (before.kind === 'ready' && next.kind !== 'ready') before.channel.destroy();
    this.#connection = next;
    if (before.kind !== next.kind) {
      this.#emit({
        type: 'connection:state',
        state: next.kind,
        relay: next.kind === 'idle' ? undefined : next.relay,
      });
    }
  }

  #lost(relay: RelayEntry, code: string, now: number): void {
    this.#set({ kind: 'closed', relay, code });
    this.#host.lost(now);
  }

  #send(payload: Uint8Array): void {
    this.#host.output({ kind: 'send', payload });
  }

  #emit(event: CoreEvent): void {
    this.#host.output({ kind: 'event', event });
  }
}
