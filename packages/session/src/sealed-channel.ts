/**
 * The sealed control channel (docs/session-protocol.md §2, docs/design.md §3 step 5): after the handshake
 * every frame in each direction is AES-256-CBC + HMAC-SHA256 with an implicit per-direction sequence
 * number in the associated data, so a tampered, replayed, reordered or injected frame fails to open.
 * The first failure poisons the channel: the connection must be closed (nothing after it can be trusted).
 */
import type { LeitungCrypto, MessageCipher } from '@leitung/crypto';
import { type ControlMessage, decodeMessage, encodeMessage } from '@leitung/wire';
import { concat, u64 } from './bytes.js';
import { SessionError, SessionErrorCode } from './errors.js';
import { LABEL_FRAME } from './labels.js';

/** One direction's keys: 32-byte encryption key and 32-byte MAC key. */
export interface DirectionKeys {
  readonly enc: Uint8Array;
  readonly mac: Uint8Array;
}

type ChannelState = { readonly kind: 'open' } | { readonly kind: 'failed' } | { readonly kind: 'destroyed' };

/**
 * The sealed control channel after the handshake (docs/session-protocol.md §2): every frame is sealed with
 * the message cipher, its implicit per-direction sequence number as associated data. One failure poisons it.
 */
export class SealedChannel {
  readonly #send: MessageCipher;
  readonly #receive: MessageCipher;
  #sendSequence = 0;
  #receiveSequence = 0;
  #state: ChannelState = { kind: 'open' };

  constructor(crypto: LeitungCrypto, send: DirectionKeys, receive: DirectionKeys) {
    this.#send = crypto.createMessageCipher(send.enc, send.mac);
    this.#receive = crypto.createMessageCipher(receive.enc, receive.mac);
  }

  /** Frames sealed so far in the sending direction. */
  get sent(): number {
    return this.#sendSequence;
  }

  /** Frames opened so far in the receiving direction. */
  get received(): number {
    return this.#receiveSequence;
  }

  /** The frame payload carrying `message`. Throws WireError if the message violates its schema. */
  seal(message: ControlMessage): Uint8Array {
    this.#requireOpen();
    const plaintext = encodeMessage(message);
    const sealed = this.#send.seal(plaintext, frameAd(this.#sendSequence));
    this.#sendSequence += 1;
    plaintext.fill(0);
    return sealed;
  }

  /**
   * The message in a received frame payload. Throws SESSION_ERR_CHANNEL_AUTH for anything that does not
   * authenticate as the next frame; WireError if an authentic frame does not decode (a peer bug).
   */
  open(payload: Uint8Array): ControlMessage {
    this.#requireOpen();
    let plaintext: Uint8Array;
    try {
      plaintext = this.#receive.open(payload, frameAd(this.#receiveSequence));
    } catch (error) {
      this.#state = { kind: 'failed' };
      throw new SessionError(SessionErrorCode.ChannelAuth, 'sealed frame failed authentication', {
        cause: error,
      });
    }
    this.#receiveSequence += 1;
    return decodeMessage(plaintext);
  }

  /** Erases the channel keys. Idempotent. */
  destroy(): void {
    if (this.#state.kind === 'destroyed') return;
    this.#state = { kind: 'destroyed' };
    this.#send.destroy();
    this.#receive.destroy();
  }

  #requireOpen(): void {
    switch (this.#state.kind) {
      case 'open':
        return;
      case 'failed':
        throw new SessionError(SessionErrorCode.ChannelAuth, 'channel failed earlier; close the connection');
      case 'destroyed':
        throw new SessionError(SessionErrorCode.ChannelClosed, 'channel was destroyed');
    }
  }
}

function frameAd(sequence: number): Uint8Array {
  return concat(LABEL_FRAME, u64(sequence));
}
