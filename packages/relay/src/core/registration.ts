/**
 * The registration handshake (docs/design.md §3, docs/session-protocol.md §1, docs/protocol.md §4.2):
 * REGISTER or REGISTER_SEALED → CHALLENGE → PROVE → WELCOME, and in a relay cluster the `appending` phase
 * between PROVE and WELCOME while the shared log appends a new binding (docs/relay.md "Relay cluster
 * (Redis)"). Before REGISTER only PING (unsealed) and REGISTER are accepted. Nothing is committed before
 * PROVE's key confirmation verifies: not the directory entry (docs/lessons.md #8), not the registration
 * budget, not the replacement of an older connection. On a relay with crypto workers (docs/relay.md "Crypto
 * workers") the RSA work — opening REGISTER_SEALED, checking the client's key and sealing the challenge to it,
 * decrypting PROVE — leaves the core as `key-operation` outputs; the connection waits in `opening`, `sealing` or
 * `proving` until the shell hands the result back (`keyOperationCompleted`), and every check after it is the one
 * the inline path runs.
 */
import { CryptoError, type LeitungCrypto, type RsaPrivateKey, toHex } from '@leitung/crypto';
import {
  openSealedRegister,
  RelayHandshake,
  registerFromOpened,
  type SealedChannel,
  SessionError,
  sealedRegisterOperation,
} from '@leitung/session';
import { type ControlMessage, type DirectoryEntry, decodeMessage, WireError } from '@leitung/wire';
import type { KeyDirectory } from '../directory/key-directory.js';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { RegistrationBudget } from '../protection/registration-budget.js';
import type { BlockPolicy } from './block-policy.js';
import type { ChallengedPhase, Connection, ProvingPhase } from './connection.js';
import type { ConnectionTable } from './connection-table.js';
import type { DirectoryService } from './directory-service.js';
import type { Outbox } from './outbox.js';
import type { ConnectionId } from './outputs.js';
import type { RelayLoadFigures } from './relay-load.js';
import { fatal, type Replies } from './replies.js';
import type { RequestBuckets } from './request-buckets.js';
import type { ClientWelcome } from './welcome.js';

/** REGISTER's content, whether it arrived plain or sealed to the relay key. */
interface RegisterRequest {
  /** The REGISTER bytes the key confirmation covers. */
  readonly bytes: Uint8Array;
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly knownTreeSize: number;
}

export interface RegistrationOptions {
  readonly crypto: LeitungCrypto;
  /** The relay's identity key (handshake, opening REGISTER_SEALED). */
  readonly privateKey: RsaPrivateKey;
  readonly directory: KeyDirectory;
  readonly directoryService: DirectoryService;
  readonly connections: ConnectionTable;
  readonly buckets: RequestBuckets;
  readonly budget: RegistrationBudget;
  /** The current blocklist (replaced on SIGHUP). */
  readonly blocklist: () => BlockPolicy;
  /** PONG's coarse load (docs/protocol.md §4.6). */
  readonly publicLoad: () => RelayLoadFigures;
  readonly welcome: ClientWelcome;
  readonly replies: Replies;
  readonly outbox: Outbox;
  /** Relay cluster: new bindings are appended through the shared log by the shell. */
  readonly asyncAppend: boolean;
  /** Crypto workers: the RSA work of registration leaves the core as `key-operation` outputs. */
  readonly offloadKeyOperations: boolean;
}

export class Registration {
  readonly #options: RegistrationOptions;

  constructor(options: RegistrationOptions) {
    this.#options = options;
  }

  /** A plain frame of a connection awaiting its REGISTER. */
  awaitingRegister(connection: Connection, payload: Uint8Array, now: number): void {
    const message = this.#decodePlain(connection, payload);
    if (message === undefined) return;
    switch (message.type) {
      case 'PING':
        this.#pong(connection, message.nonce, now);
        return;
      case 'REGISTER':
        this.#register(connection, { ...message, bytes: payload }, now);
        return;
      case 'REGISTER_SEALED':
        this.#registerSealed(connection, message.sealed, now);
        return;
      default:
        this.#options.replies.refuse(
          connection,
          fatal(RelayErrorCode.UnexpectedMessage, 'REGISTER expected'),
        );
    }
  }

  /** PROVE: verified by the session layer, then the binding is committed (or appended in a cluster). */
  challenged(connection: Connection, phase: ChallengedPhase, payload: Uint8Array, now: number): void {
    if (this.#options.offloadKeyOperations) {
      let operation: ReturnType<RelayHandshake['beginProve']>;
      try {
        operation = phase.handshake.beginProve(payload);
      } catch (error) {
        if (!(error instanceof SessionError)) throw error;
        this.#proofFailed(connection);
        return;
      }
      connection.phase = { ...phase, kind: 'proving' };
      this.#options.outbox.push({ kind: 'key-operation', connId: connection.id, operation });
      return;
    }
    let channel: SealedChannel;
    try {
      channel = phase.handshake.onProve(payload);
    } catch (error) {
      if (!(error instanceof SessionError)) throw error;
      this.#proofFailed(connection);
      return;
    }
    this.#proved(connection, phase, channel, now);
  }

  /**
   * Crypto workers: the result of a connection's `key-operation` (undefined when the operation failed).
   * Takes ownership of `opened`. A result for a connection that is gone or moved on (handshake timeout) is wiped.
   */
  keyOperationCompleted(connId: ConnectionId, opened: Uint8Array | undefined, now: number): void {
    const connection = this.#options.connections.get(connId);
    const phase = connection?.phase;
    if (connection === undefined || phase === undefined) {
      opened?.fill(0);
      return;
    }
    switch (phase.kind) {
      case 'opening':
        this.#sealedRegisterOpened(connection, opened, now);
        return;
      case 'sealing': {
        let challenge: Uint8Array;
        try {
          challenge = phase.handshake.finishChallenge(opened);
        } catch (error) {
          if (!(error instanceof SessionError)) throw error;
          this.#refuseKey(connection);
          return;
        }
        const { handshake, name, publicKey, clientId, challengeSize } = phase;
        connection.phase = { kind: 'challenged', handshake, name, publicKey, clientId, challengeSize };
        this.#options.outbox.push({ kind: 'send', connId: connection.id, payload: challenge });
        return;
      }
      case 'proving': {
        let channel: SealedChannel;
        try {
          channel = phase.handshake.finishProve(opened);
        } catch (error) {
          if (!(error instanceof SessionError)) throw error;
          this.#proofFailed(connection);
          return;
        }
        this.#proved(connection, phase, channel, now);
        return;
      }
      case 'awaiting-register':
      case 'challenged':
      case 'appending':
      case 'established':
      case 'closed':
        opened?.fill(0);
        return;
    }
  }

  /** Crypto workers: a connection's `key-operation` could not run (queue full, worker lost): refused with `code`. */
  keyOperationRefused(connId: ConnectionId, code: string, message: string): void {
    const connection = this.#options.connections.get(connId);
    const kind = connection?.phase.kind;
    if (connection === undefined || (kind !== 'opening' && kind !== 'sealing' && kind !== 'proving')) return;
    this.#options.replies.refuse(connection, fatal(code, message));
  }

  /** One answer for every PROVE failure: no oracle on the OAEP decryption (docs/lessons.md #5). */
  #proofFailed(connection: Connection): void {
    this.#options.replies.refuse(connection, fatal(RelayErrorCode.ProofFailed, 'identity proof failed'));
  }

  /** PROVE verified: the binding is committed (or appended in a cluster), then WELCOME. */
  #proved(
    connection: Connection,
    phase: ChallengedPhase | ProvingPhase,
    channel: SealedChannel,
    now: number,
  ): void {
    let committed: { readonly entry: DirectoryEntry; readonly created: boolean } | undefined;
    try {
      committed = this.#commit(connection, phase, channel, now);
    } catch (error) {
      channel.destroy();
      if (!(error instanceof RelayError)) throw error;
      this.#options.replies.refuse(connection, fatal(error.code, error.message));
      return;
    }
    if (committed === undefined) return;
    const client = { channel, clientId: phase.clientId, challengeSize: phase.challengeSize };
    this.#options.welcome.welcome(connection, client, committed.entry, committed.created);
  }

  /**
   * Relay cluster: the shell appended the binding of an `appending` connection to the shared log and the
   * local replica holds it now (`created`: false when the log already had this exact binding).
   */
  appendCompleted(connId: ConnectionId, created: boolean): void {
    const connection = this.#options.connections.get(connId);
    const phase = connection?.phase;
    if (connection === undefined || phase?.kind !== 'appending') return;
    const entry = this.#options.directory.entryByClientId(this.#options.crypto.sha3_256(phase.publicKey));
    if (entry === undefined) {
      phase.channel.destroy();
      this.#options.replies.refuse(
        connection,
        fatal(RelayErrorCode.Storage, 'the appended entry is missing'),
      );
      return;
    }
    this.#options.welcome.welcome(connection, phase, entry, created);
  }

  /** Relay cluster: the shared log refused the binding (RELAY_ERR_NAME_TAKEN, …) or could not be reached. */
  appendRefused(connId: ConnectionId, code: string, message: string): void {
    const connection = this.#options.connections.get(connId);
    const phase = connection?.phase;
    if (connection === undefined || phase?.kind !== 'appending') return;
    phase.channel.destroy();
    this.#options.replies.refuse(connection, fatal(code, message));
  }

  /** Clients probe relays they are not registered on (docs/design.md §6): PING is allowed unsealed here. */
  #pong(connection: Connection, nonce: Uint8Array, now: number): void {
    if (!this.#options.buckets.take('lookupsPerIp', connection.remoteIp, now)) {
      this.#options.replies.refuse(connection, {
        code: RelayErrorCode.RateLimited,
        message: 'too many requests',
        fatal: false,
      });
      return;
    }
    this.#options.replies.sendPlain(connection.id, { type: 'PONG', nonce, load: this.#options.publicLoad() });
  }

  /** Opening costs an RSA decryption: the per-address handshake bucket is charged first. */
  #registerSealed(connection: Connection, sealed: Uint8Array, now: number): void {
    const { replies } = this.#options;
    if (!this.#options.buckets.take('handshakesPerIp', connection.remoteIp, now)) {
      replies.refuse(
        connection,
        fatal(RelayErrorCode.RateLimited, 'too many registrations from this address'),
      );
      return;
    }
    if (this.#options.offloadKeyOperations) {
      connection.phase = { kind: 'opening' };
      this.#options.outbox.push({
        kind: 'key-operation',
        connId: connection.id,
        operation: sealedRegisterOperation(sealed),
      });
      return;
    }
    let opened: ReturnType<typeof openSealedRegister>;
    try {
      opened = openSealedRegister(this.#options.crypto, this.#options.privateKey, sealed);
    } catch (error) {
      if (!(error instanceof SessionError)) throw error;
      replies.refuse(connection, fatal(RelayErrorCode.RegisterInvalid, 'the sealed REGISTER does not open'));
      return;
    }
    this.#register(connection, { ...opened.register, bytes: opened.bytes }, now, true);
  }

  /** Crypto workers: REGISTER_SEALED opened on a worker; the same checks as {@link openSealedRegister}. */
  #sealedRegisterOpened(connection: Connection, opened: Uint8Array | undefined, now: number): void {
    let register: ReturnType<typeof registerFromOpened>;
    try {
      register = registerFromOpened(opened);
    } catch (error) {
      if (!(error instanceof SessionError)) throw error;
      this.#options.replies.refuse(
        connection,
        fatal(RelayErrorCode.RegisterInvalid, 'the sealed REGISTER does not open'),
      );
      return;
    }
    connection.phase = { kind: 'awaiting-register' };
    this.#register(connection, { ...register.register, bytes: register.bytes }, now, true);
  }

  #register(connection: Connection, request: RegisterRequest, now: number, ipCharged = false): void {
    const clientId = this.#admit(connection, request, now, ipCharged);
    if (clientId === undefined) return;
    const handshake = new RelayHandshake({
      crypto: this.#options.crypto,
      privateKey: this.#options.privateKey,
    });
    const offload = this.#options.offloadKeyOperations;
    let challenge: Uint8Array;
    try {
      handshake.onRegister(request.bytes, { checkKeyLater: offload });
      const content = this.#options.directoryService.challengeContent(request.knownTreeSize);
      const phase = {
        handshake,
        name: request.name,
        publicKey: request.publicKey,
        clientId,
        challengeSize: content.treeHead.size,
      };
      if (offload) {
        // Crypto workers: the key check (crypto.md §3) and the challenge's sealing run there too.
        const operation = handshake.beginChallenge(content);
        connection.phase = { kind: 'sealing', ...phase };
        this.#options.outbox.push({ kind: 'key-operation', connId: connection.id, operation });
        return;
      }
      challenge = handshake.challenge(content);
      connection.phase = { kind: 'challenged', ...phase };
    } catch (error) {
      // A key the crypto layer refuses (not RSA-4096/65537, even modulus, small factor…) is a typed refusal,
      // never RELAY_ERR_INTERNAL (docs/session-protocol.md §1).
      if (
        !(error instanceof SessionError) &&
        !(error instanceof WireError) &&
        !(error instanceof CryptoError)
      )
        throw error;
      this.#refuseKey(connection);
      return;
    }
    this.#options.outbox.push({ kind: 'send', connId: connection.id, payload: challenge });
  }

  #refuseKey(connection: Connection): void {
    this.#options.replies.refuse(
      connection,
      fatal(RelayErrorCode.RegisterInvalid, 'the key is not an acceptable RSA-4096 public key'),
    );
  }

  /**
   * The checks before any RSA work for a REGISTER: rate limits, blocklist, the name against the directory
   * and, for a new name, the registration budget (checked, not charged: docs/relay.md "Registration
   * budgets"). The client id when the REGISTER may proceed; undefined when it was refused.
   */
  #admit(
    connection: Connection,
    request: RegisterRequest,
    now: number,
    ipCharged: boolean,
  ): string | undefined {
    const { buckets, replies } = this.#options;
    const refuse = (code: string, message: string) => replies.refuse(connection, fatal(code, message));
    if (!ipCharged && !buckets.take('handshakesPerIp', connection.remoteIp, now)) {
      refuse(RelayErrorCode.RateLimited, 'too many registrations from this address');
      return undefined;
    }
    const clientId = toHex(this.#options.crypto.sha3_256(request.publicKey));
    if (this.#options.blocklist().isKeyBlocked(clientId)) {
      refuse(RelayErrorCode.Blocked, 'this key is blocked');
      return undefined;
    }
    if (!buckets.take('handshakesPerIdentity', clientId, now)) {
      refuse(RelayErrorCode.RateLimited, 'too many registrations for this key');
      return undefined;
    }
    try {
      const plan = this.#options.directory.plan(request.name, request.publicKey);
      if (plan.kind === 'new') this.#options.budget.check(connection.remoteIp, now, false);
    } catch (error) {
      if (!(error instanceof RelayError)) throw error;
      refuse(error.code, error.message);
      return undefined;
    }
    return clientId;
  }

  /**
   * Only now, with PROVE's key confirmation verified, is anything committed (docs/session-protocol.md §1).
   * The entry to welcome the client with; undefined when a cluster's shared log decides first (the
   * connection is `appending` then). Throws a RelayError for a refusal.
   */
  #commit(
    connection: Connection,
    phase: ChallengedPhase | ProvingPhase,
    channel: SealedChannel,
    now: number,
  ): { readonly entry: DirectoryEntry; readonly created: boolean } | undefined {
    if (this.#options.connections.clientsFull(phase.clientId)) {
      throw new RelayError(RelayErrorCode.TooManyConnections, 'the relay is full');
    }
    const plan = this.#options.directory.plan(phase.name, phase.publicKey);
    if (plan.kind === 'new') this.#options.budget.check(connection.remoteIp, now, true);
    if (!this.#options.asyncAppend) return this.#options.directory.register(phase.name, phase.publicKey, now);
    if (plan.kind === 'login') return { entry: plan.entry, created: false };
    // Cluster: the shared log decides (atomically, across relays) whether this binding is appended.
    const { name, publicKey, clientId, challengeSize } = phase;
    connection.phase = { kind: 'appending', channel, name, publicKey, clientId, challengeSize };
    this.#options.outbox.push({
      kind: 'append',
      connId: connection.id,
      name: plan.name,
      publicKey,
      time: now,
    });
    return undefined;
  }

  #decodePlain(connection: Connection, payload: Uint8Array): ControlMessage | undefined {
    try {
      return decodeMessage(payload, { from: 'client' });
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      this.#options.replies.refuse(connection, fatal(error.code, 'undecodable message'));
      return undefined;
    }
  }
}
