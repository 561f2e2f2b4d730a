/**
 * The control connection's state machine (docs/client.md "State machines"): idle → connecting →
 * handshaking → ready → closed, and from closed (or idle) a new connect. It runs the registration through
 * RegistrationFlow (registration-flow.ts) within the handshake deadline, opens and seals the frames of the
 * ready connection's SealedChannel (docs/session-protocol.md §2), keeps it alive with sealed PING/PONG and
 * ends it on a frame that does not authenticate, a message a relay may not send, or missed keepalives (a
 * dropped connection: the relay manager fails over, docs/design.md §6). What rides on a ready connection —
 * phonebook, lookups, calls — is the ClientCore's: every input returns the {@link ConnectionStep}s that
 * follow from it, in order — outputs for the shell, and the registration, each opened message and the loss
 * of the connection for the core to hand on (docs/architecture.md "Cores and shells").
 */
import type { LeitungCrypto } from '@leitung/crypto';
import type { IdentityOperationResult } from '@leitung/session';
import { type ControlMessage, type ControlMessageOf, MESSAGE_SENDER } from '@leitung/wire';
import { bytesEqual } from '../bytes.js';
import { ClientError, ClientErrorCode, errorCodeOf } from '../errors.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { Connection, HandshakingConnection, ReadyConnection } from './connection-state.js';
import { asError } from './core-errors.js';
import type { CoreOutput } from './core-outputs.js';
import { emit, type KeyOperationStep } from './core-steps.js';
import type { CoreTiming } from './core-timing.js';
import type { PhonebookPage } from './phonebook-sync.js';
import type { HandshakeStep, RegistrationFlow } from './registration-flow.js';

/** What the connection machine returns for the client core. */
export type ConnectionStep =
  /** A `send`, `close`, `event` or `persist` output for the shell. */
  | Extract<CoreOutput, { kind: 'send' | 'close' | 'event' | 'persist' }>
  /** WELCOME verified and the connection ready: what rides on it starts over (presence, phonebook, call). */
  | { readonly kind: 'registered'; readonly phonebook: PhonebookPage }
  /** A message a relay may send, opened from the sealed channel of `connection` (PONG is answered here). */
  | { readonly kind: 'message'; readonly connection: ReadyConnection; readonly message: ControlMessage }
  /** The connection is gone: fail its requests, keep a live call for CALL_RESUME. */
  | { readonly kind: 'lost' }
  /** The identity key must open the sealed challenge; PROVE follows (core-steps.ts). */
  | KeyOperationStep;

export interface ConnectionMachineOptions {
  readonly crypto: LeitungCrypto;
  readonly timing: Required<CoreTiming>;
  readonly registration: RegistrationFlow;
  /** This client's hex id and name, for `registration:complete`. */
  readonly clientIdHex: string;
  readonly name: string;
}

export class ConnectionMachine {
  readonly #options: ConnectionMachineOptions;
  #connection: Connection = { kind: 'idle' };

  constructor(options: ConnectionMachineOptions) {
    this.#options = options;
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
  connect(relay: RelayEntry, now: number): ConnectionStep[] {
    if (this.#connection.kind !== 'idle' && this.#connection.kind !== 'closed') {
      throw new ClientError(ClientErrorCode.InvalidState, `cannot connect while ${this.#connection.kind}`);
    }
    return this.#set({ kind: 'connecting', relay, deadline: now + this.#options.timing.handshakeTimeoutMs });
  }

  /** The connection is open: start the registration (REGISTER). */
  opened(now: number): ConnectionStep[] {
    const c = this.#connection;
    if (c.kind !== 'connecting') return [];
    const handshake = this.#options.registration.handshake(c.relay);
    return [
      ...this.#set({
        kind: 'handshaking',
        relay: c.relay,
        handshake,
        deadline: Math.max(c.deadline, now),
        step: 'challenge',
      }),
      { kind: 'send', payload: handshake.start() },
    ];
  }

  /** The connection closed (by the peer, an error, or after our `close` output). */
  closed(code: string): ConnectionStep[] {
    const c = this.#connection;
    if (c.kind === 'idle' || c.kind === 'closed') return [];
    const steps: ConnectionStep[] = [];
    if (c.kind === 'handshaking' || c.kind === 'connecting') {
      const error = new ClientError(
        ClientErrorCode.ConnectionClosed,
        'connection closed during registration',
      );
      steps.push(emit({ type: 'registration:failed', relay: c.relay, code: error.code, error }));
    }
    return [...steps, ...this.#lost(c.relay, code)];
  }

  /** One frame payload from the control connection. */
  receive(payload: Uint8Array, now: number): ConnectionStep[] {
    const c = this.#connection;
    switch (c.kind) {
      case 'handshaking':
        return this.#onHandshakeFrame(c, payload, now);
      case 'ready':
        return this.#onSealedFrame(c, payload, now);
      case 'idle':
      case 'connecting':
      case 'closed':
        return [];
    }
  }

  /** Advances the handshake deadline and the keepalive. */
  tick(now: number): ConnectionStep[] {
    const c = this.#connection;
    if ((c.kind === 'connecting' || c.kind === 'handshaking') && now >= c.deadline) {
      const error = new ClientError(ClientErrorCode.Timeout, 'registration timed out');
      return [
        emit({ type: 'registration:failed', relay: c.relay, code: error.code, error }),
        ...this.close(ClientErrorCode.Timeout),
      ];
    }
    return c.kind === 'ready' && now >= c.nextPingAt ? this.#keepalive(c, now) : [];
  }

  /** Seals `message` and sends it on the ready connection (dropped otherwise); a sealing error is fatal. */
  seal(message: ControlMessage): ConnectionStep[] {
    const c = this.#connection;
    if (c.kind !== 'ready') return [];
    try {
      return [{ kind: 'send', payload: c.channel.seal(message) }];
    } catch (error) {
      return this.fail(error);
    }
  }

  /** A fatal error on the connection: report, close. */
  fail(error: unknown): ConnectionStep[] {
    const err = asError(error);
    const code = errorCodeOf(err) ?? ClientErrorCode.Protocol;
    return [emit({ type: 'connection:error', code, error: err }), ...this.close(code)];
  }

  /** Asks the shell to close the connection and treats it as gone. */
  close(code: string): ConnectionStep[] {
    const c = this.#connection;
    if (c.kind === 'idle' || c.kind === 'closed') return [];
    return [{ kind: 'close', code }, ...this.#lost(c.relay, code)];
  }

  #onHandshakeFrame(c: HandshakingConnection, payload: Uint8Array, now: number): ConnectionStep[] {
    try {
      const step = this.#options.registration.onFrame(c, payload);
      switch (step.kind) {
        case 'key-operation':
          return [
            {
              kind: 'key-operation',
              operation: step.operation,
              resume: (result) => this.#proved(c, payload, result),
            },
          ];
        case 'registered':
          return this.#registered(c.relay, step, now);
      }
    } catch (error) {
      return this.#handshakeFailed(c, payload, error);
    }
  }

  /**
   * The identity key answered the challenge of `c`'s CHALLENGE `payload`: send PROVE — unless `c` is no
   * longer the connection (closed, timed out, replaced meanwhile), when the answer is dropped.
   */
  #proved(c: HandshakingConnection, payload: Uint8Array, result: IdentityOperationResult): ConnectionStep[] {
    if (this.#connection !== c || c.step !== 'proving') return [];
    try {
      return [{ kind: 'send', payload: this.#options.registration.proved(c, result) }];
    } catch (error) {
      return this.#handshakeFailed(c, payload, error);
    }
  }

  #handshakeFailed(c: HandshakingConnection, payload: Uint8Array, error: unknown): ConnectionStep[] {
    const err = asError(error);
    return [
      ...this.#options.registration.failureEvents(c, payload, err).map(emit),
      ...this.close(errorCodeOf(err) ?? ClientErrorCode.Protocol),
    ];
  }

  /** WELCOME verified: the connection is ready with the handshake's channel and directory view. */
  #registered(
    relay: RelayEntry,
    step: Extract<HandshakeStep, { kind: 'registered' }>,
    now: number,
  ): ConnectionStep[] {
    const { result, directory, change } = step;
    return [
      { kind: 'persist' },
      ...this.#set({
        kind: 'ready',
        relay,
        channel: result.channel,
        directory,
        nextPingAt: now + this.#options.timing.keepaliveIntervalMs,
        outstandingPing: undefined,
        pingSentAt: 0,
        missed: 0,
        rttMs: undefined,
      }),
      emit({
        type: 'registration:complete',
        clientId: this.#options.clientIdHex,
        name: this.#options.name,
        relay,
        treeHead: result.treeHead,
        treeHeadChange: change,
        flatRoot: result.flatRoot,
      }),
      emit({ type: 'tree-head:accepted', logId: directory.logId, size: result.treeHead.size, change }),
      { kind: 'registered', phonebook: result.welcome.phonebook },
    ];
  }

  #onSealedFrame(c: ReadyConnection, payload: Uint8Array, now: number): ConnectionStep[] {
    let message: ControlMessage;
    try {
      message = c.channel.open(payload);
    } catch (error) {
      // A frame that does not authenticate (or decode) ends the connection: nothing after it can be trusted.
      return this.fail(error);
    }
    if (MESSAGE_SENDER[message.type] === 'client') {
      return this.fail(new ClientError(ClientErrorCode.Protocol, `relay sent ${message.type}`));
    }
    if (message.type === 'PONG') {
      this.#pong(c, message, now);
      return [];
    }
    return [{ kind: 'message', connection: c, message }];
  }

  #keepalive(c: ReadyConnection, now: number): ConnectionStep[] {
    const { crypto, timing } = this.#options;
    if (c.outstandingPing) {
      c.missed += 1;
      if (c.missed >= timing.keepaliveMisses) {
        // Missed keepalives count as a dropped connection: the relay manager fails over (docs/design.md §6).
        const error = new ClientError(ClientErrorCode.Timeout, 'relay stopped answering keepalives');
        return [
          emit({ type: 'connection:error', code: error.code, error }),
          ...this.close(ClientErrorCode.Timeout),
        ];
      }
    }
    c.outstandingPing = crypto.randomBytes(8);
    c.pingSentAt = now;
    c.nextPingAt = now + timing.keepaliveIntervalMs;
    return this.seal({ type: 'PING', nonce: c.outstandingPing, sentAt: Math.max(0, Math.floor(now)) });
  }

  /** The answer to the outstanding PING: the relay is alive, and the round trip is measured. */
  #pong(c: ReadyConnection, message: ControlMessageOf<'PONG'>, now: number): void {
    if (c.outstandingPing && bytesEqual(message.nonce, c.outstandingPing)) {
      c.outstandingPing = undefined;
      c.missed = 0;
      c.rttMs = now - c.pingSentAt;
    }
  }

  /** Switches the connection state: `connection:state` when its kind changed. */
  #set(next: Connection): ConnectionStep[] {
    const before = this.#connection;
    if (before.kind === 'ready' && next.kind !== 'ready') before.channel.destroy();
    this.#connection = next;
    if (before.kind === next.kind) return [];
    return [
      emit({
        type: 'connection:state',
        state: next.kind,
        relay: next.kind === 'idle' ? undefined : next.relay,
      }),
    ];
  }

  #lost(relay: RelayEntry, code: string): ConnectionStep[] {
    return [...this.#set({ kind: 'closed', relay, code }), { kind: 'lost' }];
  }
}
