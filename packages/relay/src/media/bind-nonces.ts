/**
 * The relay's BIND_CHALLENGE nonces (docs/session-protocol.md §4.2): nonce = HMAC-SHA256(relay secret,
 * "leitung/v1 bind-challenge" ‖ sessionId ‖ side ‖ window ‖ port ‖ address)[0..16], window = ⌊now / 10 s⌋.
 * Stateless: nothing is stored per challenge, so BINDs from any number of addresses cost no memory, and a
 * nonce is only good for the address it was sent to, for 10–20 s. The secret is random per process and
 * never leaves it.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import { MEDIA_NONCE_SIZE } from '@leitung/wire';
import type { MediaEndpoint } from './media-router.js';

/** A nonce is accepted in the window it was issued in and the next one. */
export const BIND_NONCE_WINDOW_MS = 10_000;

const LABEL = new TextEncoder().encode('leitung/v1 bind-challenge');
const encoder = new TextEncoder();

export class BindNonces {
  readonly #crypto: LeitungCrypto;
  readonly #secret: Uint8Array;

  constructor(crypto: LeitungCrypto) {
    this.#crypto = crypto;
    this.#secret = crypto.randomBytes(32);
  }

  /** The nonce for a BIND of `side` of session `sessionId` from `from` at `now`. */
  issue(sessionId: number, side: 0 | 1, from: MediaEndpoint, now: number): Uint8Array {
    const window = Math.floor(now / BIND_NONCE_WINDOW_MS);
    return this.#crypto
      .hmac('sha256', this.#secret, this.#input(sessionId, side, from, window))
      .slice(0, MEDIA_NONCE_SIZE);
  }

  /** True when `nonce` was issued for this session, side and address in this window or the previous one. */
  verify(nonce: Uint8Array, sessionId: number, side: 0 | 1, from: MediaEndpoint, now: number): boolean {
    if (nonce.length !== MEDIA_NONCE_SIZE) return false;
    const window = Math.floor(now / BIND_NONCE_WINDOW_MS);
    for (const w of [window, window - 1]) {
      const input = this.#input(sessionId, side, from, w);
      if (this.#crypto.hmacVerify('sha256', this.#secret, input, nonce, MEDIA_NONCE_SIZE)) return true;
    }
    return false;
  }

  #input(sessionId: number, side: 0 | 1, from: MediaEndpoint, window: number): Uint8Array[] {
    const fixed = new Uint8Array(15);
    const view = new DataView(fixed.buffer);
    view.setUint32(0, sessionId >>> 0);
    view.setUint8(4, side);
    view.setFloat64(5, window);
    view.setUint16(13, from.port & 0xffff);
    return [LABEL, fixed, encoder.encode(from.address)];
  }
}
