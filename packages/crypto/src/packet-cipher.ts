/**
 * The packet cipher for media (docs/design.md §5; docs/session-protocol.md §4):
 *
 *   encKey, macKey, ivKey = HKDF-SHA256(keyMaterial, salt = "", info = "leitung/v1 packet-enc" | "-mac" | "-iv")
 *   iv     = AES-256(ivKey, u64be(0) ‖ u64be(seq))          (one block; never sent, never repeated)
 *   packet = AES-256-CBC(encKey, iv, PKCS#7(frame)) ‖ HMAC-SHA256(macKey, u64be(len(header)) ‖ header ‖ u64be(seq) ‖ ciphertext)[0..16]
 *
 * The IV is a pseudorandom permutation of the sequence number under a key of its own, so it is unique per
 * packet and unpredictable to anyone without the key — CBC's requirement (NIST SP 800-38A Appendix C) —
 * while costing no bytes on the wire. The sealer refuses a sequence number that is not above the last one
 * it sealed, so an IV can never repeat under one key. The tag is truncated to 16 bytes (RFC 2104 §5) and
 * covers the header and the sequence number the IV came from.
 *
 * Opening: length and tag first (constant-time compare), then the replay window (RFC 3711 §3.3.2), then
 * decryption; the window moves only for authenticated, well-padded packets. Forgeries of any kind, and bad
 * padding, are CRYPTO_ERR_AUTH; authentic replays are CRYPTO_ERR_REPLAY.
 */
import type { AesCipher, CryptoBackend, HmacKey } from './backend.js';
import { concatBytes, requireBytes, u64be, utf8 } from './bytes.js';
import { constantTimeEqual } from './constant-time.js';
import { authFailed, CryptoError, CryptoErrorCode, CryptoReplayError, invalidArgument } from './errors.js';
import { hkdf } from './hashing.js';
import { AES_BLOCK, pad, unpad } from './pkcs7.js';
import { DEFAULT_REPLAY_WINDOW, ReplayWindow, requireSequence } from './replay-window.js';

/** Bytes of the truncated HMAC-SHA256 tag ending every media packet (RFC 2104 §5; docs/crypto.md §6). */
export const PACKET_TAG_LENGTH = 16;
/** Smallest packet: one ciphertext block and the tag. */
export const PACKET_MIN_LENGTH = AES_BLOCK + PACKET_TAG_LENGTH;

const LABEL_ENC = utf8('leitung/v1 packet-enc');
const LABEL_MAC = utf8('leitung/v1 packet-mac');
const LABEL_IV = utf8('leitung/v1 packet-iv');
const ZERO_BLOCK = new Uint8Array(AES_BLOCK);
const NO_SALT = new Uint8Array(0);

/**
 * Options of `createPacketCipher`: the replay window size and, after failover with unchanged keys, the last
 * sequence number an earlier cipher object sealed.
 */
export interface PacketCipherOptions {
  /** Replay window size in packets (≥ 64, default 128). */
  readonly windowSize?: number;
  /**
   * The highest sequence number already sealed under this key material by an earlier cipher object
   * (failover with unchanged keys, docs/protocol.md `lastSequence`): `seal` then refuses it and all below.
   */
  readonly lastSealed?: number;
}

/**
 * AES-256-CBC + HMAC-SHA256 for media packets: IV derived from the sequence number, 16-byte tag, replay
 * window on open (docs/crypto.md §6). One per direction's media key; made by
 * `LeitungCrypto.createPacketCipher`.
 */
export interface PacketCipher {
  /** ciphertext ‖ tag16 for sequence number `seq`; `seq` must exceed every earlier one sealed. */
  seal(seq: number, associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The frame, CRYPTO_ERR_AUTH for a forgery, CRYPTO_ERR_REPLAY for an authentic duplicate / too-old packet. */
  open(seq: number, associatedData: Uint8Array, packet: Uint8Array): Uint8Array;
  /** The receive window (read-only use: tests and statistics). */
  readonly replayWindow: ReplayWindow;
  destroy(): void;
}

class AesCbcHmacPacketCipher implements PacketCipher {
  readonly replayWindow: ReplayWindow;
  readonly #enc: AesCipher;
  readonly #iv: AesCipher;
  readonly #mac: HmacKey;
  #lastSealed = -1;
  #destroyed = false;

  constructor(backend: CryptoBackend, keyMaterial: Uint8Array, options: PacketCipherOptions) {
    requireBytes('keyMaterial', keyMaterial);
    if (keyMaterial.length !== 32 && keyMaterial.length !== 64) {
      throw invalidArgument('packet key material must be 32 or 64 bytes');
    }
    this.replayWindow = new ReplayWindow(options.windowSize ?? DEFAULT_REPLAY_WINDOW);
    if (options.lastSealed !== undefined) {
      requireSequence(options.lastSealed);
      this.#lastSealed = options.lastSealed;
    }
    const encKey = hkdf(backend, 'sha256', keyMaterial, NO_SALT, LABEL_ENC, 32);
    const macKey = hkdf(backend, 'sha256', keyMaterial, NO_SALT, LABEL_MAC, 32);
    const ivKey = hkdf(backend, 'sha256', keyMaterial, NO_SALT, LABEL_IV, 32);
    this.#enc = backend.aes(encKey);
    this.#mac = backend.hmacKey('sha256', macKey);
    this.#iv = backend.aes(ivKey);
    encKey.fill(0);
    macKey.fill(0);
    ivKey.fill(0);
  }

  #live(): void {
    if (this.#destroyed) throw new CryptoError(CryptoErrorCode.KeyDestroyed, 'packet cipher was destroyed');
  }

  #ivFor(seq: number): Uint8Array {
    // One-block CBC with a zero IV is exactly ECB: AES(ivKey, block).
    return this.#iv.cbcEncrypt(ZERO_BLOCK, concatBytes(new Uint8Array(8), u64be(seq)));
  }

  #tag(seq: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    return this.#mac.mac([u64be(ad.length), ad, u64be(seq), ciphertext]).subarray(0, PACKET_TAG_LENGTH);
  }

  seal(seq: number, associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array {
    this.#live();
    requireSequence(seq);
    requireBytes('associatedData', associatedData);
    requireBytes('plaintext', plaintext);
    if (seq <= this.#lastSealed) {
      throw new CryptoError(CryptoErrorCode.SequenceReuse, 'sequence number not above the last one sealed');
    }
    this.#lastSealed = seq;
    const padded = pad(plaintext);
    const ciphertext = this.#enc.cbcEncrypt(this.#ivFor(seq), padded);
    padded.fill(0);
    return concatBytes(ciphertext, this.#tag(seq, associatedData, ciphertext));
  }

  open(seq: number, associatedData: Uint8Array, packet: Uint8Array): Uint8Array {
    this.#live();
    requireSequence(seq);
    requireBytes('associatedData', associatedData);
    requireBytes('packet', packet);
    const ciphertextLength = packet.length - PACKET_TAG_LENGTH;
    if (ciphertextLength < AES_BLOCK || ciphertextLength % AES_BLOCK !== 0) throw authFailed();
    const ciphertext = packet.subarray(0, ciphertextLength);
    if (!constantTimeEqual(this.#tag(seq, associatedData, ciphertext), packet.subarray(ciphertextLength))) {
      throw authFailed();
    }
    const verdict = this.replayWindow.check(seq);
    if (verdict !== 'fresh') throw new CryptoReplayError(verdict);
    const padded = this.#enc.cbcDecrypt(this.#ivFor(seq), ciphertext);
    const plaintext = unpad(padded);
    if (!plaintext) {
      padded.fill(0);
      throw authFailed();
    }
    this.replayWindow.accept(seq);
    return plaintext;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#enc.destroy();
    this.#iv.destroy();
    this.#mac.destroy();
  }
}

export function createPacketCipher(
  backend: CryptoBackend,
  keyMaterial: Uint8Array,
  options: PacketCipherOptions = {},
): PacketCipher {
  return new AesCbcHmacPacketCipher(backend, keyMaterial, options);
}
