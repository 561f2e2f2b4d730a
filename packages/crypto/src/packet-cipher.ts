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
import { AES_BLOCK, isPaddedCiphertextLength, pad, unpad } from './pkcs7.js';
import { DEFAULT_REPLAY_WINDOW, ReplayWindow, requireSequence } from './replay-window.js';

/** Bytes of the truncated HMAC-SHA256 tag ending every media packet (RFC 2104 §5; docs/crypto.md §6). */
export const PACKET_TAG_LENGTH = 16;
/** Smallest packet: one ciphertext block and the tag. */
export const PACKET_MIN_LENGTH = AES_BLOCK + PACKET_TAG_LENGTH;

/** HKDF infos of the three packet keys (docs/crypto.md §11); the salt is empty. */
export const PACKET_KEY_INFO = {
  enc: utf8('leitung/v1 packet-enc'),
  mac: utf8('leitung/v1 packet-mac'),
  iv: utf8('leitung/v1 packet-iv'),
} as const;
export const PACKET_KEY_SALT = new Uint8Array(0);
const ZERO_BLOCK = new Uint8Array(AES_BLOCK);

/** Packet key material is one direction's media key: 32 or 64 bytes (docs/session-protocol.md §3). */
export function requirePacketKeyMaterial(keyMaterial: Uint8Array): void {
  requireBytes('keyMaterial', keyMaterial);
  if (keyMaterial.length !== 32 && keyMaterial.length !== 64) {
    throw invalidArgument('packet key material must be 32 or 64 bytes');
  }
}

/** The block the IV key encrypts for `seq`: u64be(0) ‖ u64be(seq). */
export function ivBlock(seq: number): Uint8Array {
  return concatBytes(new Uint8Array(8), u64be(seq));
}

/** What the packet tag covers, in order: u64be(len(header)) ‖ header ‖ u64be(seq) ‖ ciphertext. */
export function packetTagInput(seq: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array[] {
  return [u64be(ad.length), ad, u64be(seq), ciphertext];
}

/** The ciphertext length of `packet`, or undefined when it cannot be a packet (length check before the tag). */
export function packetCiphertextLength(packet: Uint8Array): number | undefined {
  const length = packet.length - PACKET_TAG_LENGTH;
  return isPaddedCiphertextLength(length) ? length : undefined;
}

/**
 * The sealer's side of IV uniqueness (docs/crypto.md §6): each sequence number sealed must exceed the last
 * one, which may come from an earlier cipher object for the same keys (`lastSealed`).
 */
export class SealedSequence {
  #last = -1;

  constructor(lastSealed?: number) {
    if (lastSealed !== undefined) {
      requireSequence(lastSealed);
      this.#last = lastSealed;
    }
  }

  /** Takes `seq` (a valid sequence number) or throws CRYPTO_ERR_SEQUENCE_REUSE. */
  claim(seq: number): void {
    if (seq <= this.#last) {
      throw new CryptoError(CryptoErrorCode.SequenceReuse, 'sequence number not above the last one sealed');
    }
    this.#last = seq;
  }
}

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
  readonly #sealed: SealedSequence;
  #destroyed = false;

  constructor(backend: CryptoBackend, keyMaterial: Uint8Array, options: PacketCipherOptions) {
    requirePacketKeyMaterial(keyMaterial);
    this.replayWindow = new ReplayWindow(options.windowSize ?? DEFAULT_REPLAY_WINDOW);
    this.#sealed = new SealedSequence(options.lastSealed);
    const derive = (info: Uint8Array) => hkdf(backend, 'sha256', keyMaterial, PACKET_KEY_SALT, info, 32);
    const encKey = derive(PACKET_KEY_INFO.enc);
    const macKey = derive(PACKET_KEY_INFO.mac);
    const ivKey = derive(PACKET_KEY_INFO.iv);
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
    return this.#iv.cbcEncrypt(ZERO_BLOCK, ivBlock(seq));
  }

  #tag(seq: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    return this.#mac.mac(packetTagInput(seq, ad, ciphertext)).subarray(0, PACKET_TAG_LENGTH);
  }

  seal(seq: number, associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array {
    this.#live();
    requireSequence(seq);
    requireBytes('associatedData', associatedData);
    requireBytes('plaintext', plaintext);
    this.#sealed.claim(seq);
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
    const ciphertextLength = packetCiphertextLength(packet);
    if (ciphertextLength === undefined) throw authFailed();
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
