/**
 * The media packet cipher of packet-cipher.ts (docs/crypto.md §6) on WebCrypto, asynchronous: the same
 * keys, IVs, packets and tags byte for byte, and the same refusals with the same codes — CRYPTO_ERR_AUTH
 * for a bad length, tag or padding, CRYPTO_ERR_REPLAY for an authentic duplicate or too-old packet,
 * CRYPTO_ERR_SEQUENCE_REUSE on seal. For callers that can await (a page's worker); the synchronous cores
 * keep the synchronous cipher (docs/crypto.md "WebCrypto symmetric operations").
 *
 * Being asynchronous adds two hazards the synchronous cipher cannot have, both closed here:
 * - a caller may reuse its buffers while an operation waits, so the inputs are copied before the first
 *   await — otherwise the bytes decrypted could differ from the bytes authenticated;
 * - two opens of the same sequence number may overlap, so the replay window is checked again, after
 *   decryption and in the same synchronous step as `accept`: only one of them is accepted.
 */

import type { SubtleLike } from './backends/subtle.js';
import {
  type WebCryptoAesKey,
  type WebCryptoHmacKey,
  type WebCryptoSymmetric,
  webCryptoSymmetric,
} from './backends/web-crypto-symmetric.js';
import { requireBytes } from './bytes.js';
import { constantTimeEqual } from './constant-time.js';
import { authFailed, CryptoError, CryptoErrorCode, CryptoReplayError } from './errors.js';
import {
  ivBlock,
  PACKET_KEY_INFO,
  PACKET_KEY_SALT,
  PACKET_TAG_LENGTH,
  type PacketCipherOptions,
  packetCiphertextLength,
  packetTagInput,
  requirePacketKeyMaterial,
  SealedSequence,
} from './packet-cipher.js';
import { AES_BLOCK } from './pkcs7.js';
import { DEFAULT_REPLAY_WINDOW, ReplayWindow, requireSequence } from './replay-window.js';

/** Options of `webCryptoPacketCipher`: those of the synchronous cipher, and the WebCrypto to use. */
export interface WebCryptoPacketCipherOptions extends PacketCipherOptions {
  /** Default `globalThis.crypto.subtle`. */
  readonly subtle?: SubtleLike;
}

/**
 * The packet cipher (docs/crypto.md §6) with promises: interoperates byte for byte with `PacketCipher`.
 * Made by `webCryptoPacketCipher`.
 */
export interface AsyncPacketCipher {
  /** ciphertext ‖ tag16 for `seq`; `seq` is claimed at the call, so it must exceed every earlier call's. */
  seal(seq: number, associatedData: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** The frame; CRYPTO_ERR_AUTH for a forgery or bad padding, CRYPTO_ERR_REPLAY for an authentic replay. */
  open(seq: number, associatedData: Uint8Array, packet: Uint8Array): Promise<Uint8Array>;
  /** The receive window (read-only use: tests and statistics). */
  readonly replayWindow: ReplayWindow;
  /** Drops the WebCrypto keys (they cannot be overwritten from JavaScript); later calls: CRYPTO_ERR_KEY_DESTROYED. */
  destroy(): void;
}

interface PacketKeys {
  readonly enc: WebCryptoAesKey;
  readonly mac: WebCryptoHmacKey;
  readonly iv: WebCryptoAesKey;
}

class WebCryptoAesCbcHmacPacketCipher implements AsyncPacketCipher {
  readonly replayWindow: ReplayWindow;
  readonly #symmetric: WebCryptoSymmetric;
  readonly #sealed: SealedSequence;
  #keys: PacketKeys | undefined;

  constructor(
    symmetric: WebCryptoSymmetric,
    keys: PacketKeys,
    replayWindow: ReplayWindow,
    sealed: SealedSequence,
  ) {
    this.#symmetric = symmetric;
    this.#keys = keys;
    this.replayWindow = replayWindow;
    this.#sealed = sealed;
  }

  #live(): PacketKeys {
    if (this.#keys === undefined) {
      throw new CryptoError(CryptoErrorCode.KeyDestroyed, 'packet cipher was destroyed');
    }
    return this.#keys;
  }

  /**
   * AES(ivKey, u64be(0) ‖ u64be(seq)), one ECB block — which WebCrypto does not offer. AES-CBC with a zero
   * IV over that one block is the same block (CBC's first step XORs the block with the IV), and WebCrypto's
   * PKCS#7 adds a second, full padding block: the first 16 bytes of the output are the IV.
   */
  async #ivFor(keys: PacketKeys, seq: number): Promise<Uint8Array> {
    const blocks = await this.#symmetric.aesCbcEncrypt(keys.iv, new Uint8Array(AES_BLOCK), ivBlock(seq));
    return blocks.subarray(0, AES_BLOCK);
  }

  async #tag(keys: PacketKeys, seq: number, ad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    const full = await this.#symmetric.hmac(keys.mac, packetTagInput(seq, ad, ciphertext));
    return full.subarray(0, PACKET_TAG_LENGTH);
  }

  async seal(seq: number, associatedData: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const keys = this.#live();
    requireSequence(seq);
    requireBytes('associatedData', associatedData);
    requireBytes('plaintext', plaintext);
    // Claimed before the first await: a second seal of `seq` started meanwhile is refused, never sealed.
    this.#sealed.claim(seq);
    const ad = associatedData.slice();
    const frame = plaintext.slice();
    try {
      const ciphertext = await this.#symmetric.aesCbcEncrypt(keys.enc, await this.#ivFor(keys, seq), frame);
      const tag = await this.#tag(keys, seq, ad, ciphertext);
      const packet = new Uint8Array(ciphertext.length + PACKET_TAG_LENGTH);
      packet.set(ciphertext);
      packet.set(tag, ciphertext.length);
      return packet;
    } finally {
      frame.fill(0);
    }
  }

  async open(seq: number, associatedData: Uint8Array, packet: Uint8Array): Promise<Uint8Array> {
    const keys = this.#live();
    requireSequence(seq);
    requireBytes('associatedData', associatedData);
    requireBytes('packet', packet);
    const ciphertextLength = packetCiphertextLength(packet);
    if (ciphertextLength === undefined) throw authFailed();
    const copy = packet.slice();
    const ciphertext = copy.subarray(0, ciphertextLength);
    // The IV is computed beside the tag only to save a round trip; it is used after the tag checked.
    const [tag, iv] = await Promise.all([
      this.#tag(keys, seq, associatedData, ciphertext),
      this.#ivFor(keys, seq),
    ]);
    if (!constantTimeEqual(tag, copy.subarray(ciphertextLength))) throw authFailed();
    const verdict = this.replayWindow.check(seq);
    if (verdict !== 'fresh') throw new CryptoReplayError(verdict);
    const plaintext = await this.#symmetric.aesCbcDecrypt(keys.enc, iv, ciphertext);
    if (plaintext === undefined) throw authFailed();
    const now = this.replayWindow.check(seq);
    if (now !== 'fresh') {
      plaintext.fill(0);
      throw new CryptoReplayError(now);
    }
    this.replayWindow.accept(seq);
    return plaintext;
  }

  destroy(): void {
    this.#keys = undefined;
  }
}

/**
 * The asynchronous packet cipher for 32 or 64 bytes of key material (docs/crypto.md §6): its three keys
 * are derived by WebCrypto's HKDF straight into non-extractable WebCrypto keys.
 */
export async function webCryptoPacketCipher(
  keyMaterial: Uint8Array,
  options: WebCryptoPacketCipherOptions = {},
): Promise<AsyncPacketCipher> {
  requirePacketKeyMaterial(keyMaterial);
  const replayWindow = new ReplayWindow(options.windowSize ?? DEFAULT_REPLAY_WINDOW);
  const sealed = new SealedSequence(options.lastSealed);
  const symmetric = webCryptoSymmetric(options.subtle);
  const info = PACKET_KEY_INFO;
  const [enc, mac, iv] = await Promise.all([
    symmetric.hkdfAesKey(keyMaterial, PACKET_KEY_SALT, info.enc),
    symmetric.hkdfHmacKey(keyMaterial, PACKET_KEY_SALT, info.mac),
    symmetric.hkdfAesKey(keyMaterial, PACKET_KEY_SALT, info.iv),
  ]);
  return new WebCryptoAesCbcHmacPacketCipher(symmetric, { enc, mac, iv }, replayWindow, sealed);
}
