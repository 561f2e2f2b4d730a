/**
 * End-to-end protection of audio frames in DATA packets (docs/session-protocol.md §4): AES-256-CBC with
 * an IV derived from the sequence number, HMAC tag over header and ciphertext, replay window at the
 * receiver. The relay forwards these packets but has no key to open them.
 */
import { CryptoError, type LeitungCrypto, type PacketCipher } from '@leitung/crypto';
import {
  decodeMediaPacket,
  encodeMediaHeader,
  type MediaPacket,
  type MediaPacketOptions,
  WireError,
} from '@leitung/wire';
import { concat } from './bytes.js';
import { SessionError, SessionErrorCode } from './errors.js';
import { directionOf, senderOf } from './media-bind.js';
import type { CallRole, MediaKeys } from './media-keys.js';

/**
 * One media frame as an application sends and receives it: sealed into an authenticated, encrypted DATA
 * packet on the way out, delivered decrypted on the way in (docs/session-protocol.md §4). The same shape
 * as @leitung/audio's `MediaFrame`, which, a leaf package, cannot import this one: TypeScript's structural
 * types make the two interchangeable.
 */
export interface MediaFrame {
  /** uint32, one per frame sent. */
  readonly sequence: number;
  /** uint32 on the 48 kHz media clock. */
  readonly timestamp: number;
  /** Opaque to the transport: codec id byte, then the codec's bytes (docs/session-protocol.md §4.5). */
  readonly payload: Uint8Array;
}

/** Seals frames this side sends. Sequence numbers must strictly increase (no IV is ever reused). */
export class MediaSender {
  readonly #cipher: PacketCipher;
  readonly #role: CallRole;
  #sessionId: number;

  constructor(crypto: LeitungCrypto, keys: MediaKeys, sessionId: number) {
    this.#cipher = crypto.createPacketCipher(keys.sendKey);
    this.#role = keys.role;
    this.#sessionId = sessionId;
  }

  /** After failover the same keys continue under the new relay's session id (docs/design.md §6). */
  rebind(sessionId: number): void {
    this.#sessionId = sessionId;
  }

  /** The DATA datagram for `frame`. */
  seal(frame: MediaFrame): Uint8Array {
    const header = encodeMediaHeader({
      type: 'DATA',
      direction: directionOf(this.#role),
      sessionId: this.#sessionId,
      sequence: frame.sequence,
      timestamp: frame.timestamp,
    });
    return concat(header, this.#cipher.seal(frame.sequence, header, frame.payload));
  }

  destroy(): void {
    this.#cipher.destroy();
  }
}

/** Opens frames the peer sent: authenticate, then replay window, then decrypt. */
export class MediaReceiver {
  readonly #cipher: PacketCipher;
  readonly #peer: CallRole;
  readonly #options: MediaPacketOptions | undefined;
  #sessionId: number;

  constructor(crypto: LeitungCrypto, keys: MediaKeys, sessionId: number, options?: MediaPacketOptions) {
    this.#cipher = crypto.createPacketCipher(keys.receiveKey);
    this.#peer = keys.role === 'caller' ? 'callee' : 'caller';
    this.#sessionId = sessionId;
    this.#options = options;
  }

  rebind(sessionId: number): void {
    this.#sessionId = sessionId;
  }

  /**
   * The frame in a DATA datagram: decodes the header, then {@link MediaReceiver.openPacket}.
   * SESSION_ERR_MEDIA_AUTH for anything not authentic from the peer on this session (malformed, wrong type,
   * session or direction, forged); SESSION_ERR_MEDIA_REPLAY for a duplicate or too-old authentic packet.
   */
  open(datagram: Uint8Array): MediaFrame {
    let packet: MediaPacket;
    try {
      packet = decodeMediaPacket(datagram, this.#options);
    } catch (error) {
      if (error instanceof WireError) throw mediaAuth(error);
      throw error;
    }
    return this.openPacket(packet);
  }

  /**
   * The frame in a DATA packet its receiver has already decoded (with @leitung/wire's `decodeMediaPacket`,
   * which checks the size limit): a channel that reads the header to dispatch BIND_ACK, BIND_CHALLENGE and
   * DATA hands the decoded packet on, so each packet is parsed once (docs/session-protocol.md §4). Checks
   * and errors as {@link MediaReceiver.open}.
   */
  openPacket(packet: MediaPacket): MediaFrame {
    if (
      packet.type !== 'DATA' ||
      packet.sessionId !== this.#sessionId ||
      senderOf(packet.direction) !== this.#peer
    ) {
      throw mediaAuth();
    }
    try {
      const payload = this.#cipher.open(packet.sequence, packet.header, packet.body);
      return { sequence: packet.sequence, timestamp: packet.timestamp, payload };
    } catch (error) {
      if (error instanceof CryptoError && error.code === 'CRYPTO_ERR_REPLAY') {
        throw new SessionError(SessionErrorCode.MediaReplay, 'media packet replayed or too old', {
          cause: error,
        });
      }
      throw mediaAuth(error);
    }
  }

  /** Lost/duplicate accounting for stats comes from the cipher's replay window. */
  get replayWindow(): PacketCipher['replayWindow'] {
    return this.#cipher.replayWindow;
  }

  destroy(): void {
    this.#cipher.destroy();
  }
}

function mediaAuth(cause?: unknown): SessionError {
  return new SessionError(
    SessionErrorCode.MediaAuth,
    'media packet failed authentication',
    cause === undefined ? undefined : { cause },
  );
}
