/**
 * Hybrid call keys (docs/session-protocol.md §3 "Hybrid call keys"): every call mixes the RSA-sealed secret,
 * an X25519 share and an ML-KEM-768 share. A classical-only offer is refused, a stripped, wrong or swapped
 * post-quantum share never yields keys, and each of the three secrets changes the keys on its own (none of
 * them is ignored by the combiner).
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  acceptOffer,
  CallIdReplayGuard,
  clientIdOf,
  completeCall,
  createCallOffer,
  decodeCallData,
  deriveMediaKeys,
  openCallOffer,
} from '../src/index.js';
import { codeOf, crypto, key } from './fixtures.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
const NOW = 1_800_000_000_000;

beforeAll(async () => {
  [alice, bob] = await Promise.all([key('alice'), key('bob')]);
});

const id = (k: RsaPrivateKey) => clientIdOf(crypto, k.publicKey);

function call() {
  const offer = createCallOffer({
    crypto,
    caller: { id: id(alice), privateKey: alice },
    callee: { id: id(bob), publicKey: bob.publicKey },
    codecs: [2],
    now: NOW,
  });
  const opened = openCallOffer({
    crypto,
    sealedCallData: offer.sealedCallData,
    statedCallId: offer.callId,
    callee: { id: id(bob), privateKey: bob },
    statedCallerId: id(alice),
    callerPublicKey: alice.publicKey,
    now: NOW,
    replayGuard: new CallIdReplayGuard(),
  });
  return { offer, opened };
}

describe('hybrid call keys: RSA-sealed secret + X25519 + ML-KEM-768', () => {
  it('the offer carries the ML-KEM-768 key and the answer its 1 088-byte ciphertext; both sides agree', () => {
    const { offer, opened } = call();
    expect(opened.callerKem.length).toBe(1184);
    expect(opened.callerKem).toEqual(offer.pending.callerKem);
    const answer = acceptOffer(crypto, opened);
    expect(answer.kem.length).toBe(1088);
    const keys = completeCall(crypto, offer.pending, answer);
    expect(keys.sendKey).toEqual(answer.keys.receiveKey);
    expect(keys.receiveKey).toEqual(answer.keys.sendKey);
  });

  it('a relay that strips the post-quantum share from the answer gets SESSION_ERR_PQ_REQUIRED, not a classical call', () => {
    const { offer, opened } = call();
    const answer = acceptOffer(crypto, opened);
    expect(
      codeOf(() =>
        completeCall(crypto, offer.pending, {
          ephemeral: answer.ephemeral,
          kem: undefined,
          confirm: answer.confirm,
        }),
      ),
    ).toBe('SESSION_ERR_PQ_REQUIRED');
  });

  it('a wrong or swapped ML-KEM ciphertext fails the key confirmation', () => {
    const first = call();
    const second = call();
    const a = acceptOffer(crypto, first.opened);
    const b = acceptOffer(crypto, second.opened);
    // A bit flipped in transit (implicit rejection gives another secret) …
    const flipped = a.kem.slice();
    flipped[500]! ^= 1;
    expect(codeOf(() => completeCall(crypto, first.offer.pending, { ...a, kem: flipped }))).toBe(
      'SESSION_ERR_CONFIRM',
    );
    // … or another call's ciphertext swapped in, with everything else of this call.
    const again = call();
    const c = acceptOffer(crypto, again.opened);
    expect(codeOf(() => completeCall(crypto, again.offer.pending, { ...c, kem: b.kem }))).toBe(
      'SESSION_ERR_CONFIRM',
    );
    // Swapped X25519 share with the right ML-KEM ciphertext fails too.
    const fourth = call();
    const d = acceptOffer(crypto, fourth.opened);
    expect(codeOf(() => completeCall(crypto, fourth.offer.pending, { ...d, ephemeral: b.ephemeral }))).toBe(
      'SESSION_ERR_CONFIRM',
    );
  });

  it('a classical-only offer (version 1 call data) is refused with SESSION_ERR_PQ_REQUIRED', () => {
    const v1 = new Uint8Array(4 + 16 + 64 + 48 + 32 + 8 + 1);
    v1.set([0x4c, 0x43, 0x44, 0x31]);
    expect(codeOf(() => decodeCallData(v1))).toBe('SESSION_ERR_PQ_REQUIRED');
  });

  it('each of the three secrets changes the keys on its own (the combiner ignores none)', () => {
    const x = crypto.generateX25519KeyPair();
    const y = crypto.generateX25519KeyPair();
    const base = {
      role: 'caller' as const,
      callId: new Uint8Array(16).fill(1),
      callerId: new Uint8Array(32).fill(2),
      calleeId: new Uint8Array(32).fill(3),
      secret: new Uint8Array(48).fill(4),
      ownEphemeral: x.privateKey,
      callerEphemeral: x.publicKey,
      calleeEphemeral: y.publicKey,
      kemSecret: new Uint8Array(32).fill(5),
      callerKem: new Uint8Array(1184).fill(6),
      kemCipherText: new Uint8Array(1088).fill(7),
    };
    const send = (input: typeof base) =>
      Buffer.from(deriveMediaKeys(crypto, input).keys.sendKey).toString('hex');
    const reference = send(base);
    const other = crypto.generateX25519KeyPair();
    const variants = [
      { ...base, secret: new Uint8Array(48).fill(9) },
      { ...base, calleeEphemeral: other.publicKey },
      { ...base, kemSecret: new Uint8Array(32).fill(9) },
      { ...base, callerKem: new Uint8Array(1184).fill(9) },
      { ...base, kemCipherText: new Uint8Array(1088).fill(9) },
    ];
    for (const variant of variants) expect(send(variant)).not.toBe(reference);
  });
});
