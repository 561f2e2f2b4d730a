import type { RsaPrivateKey } from '@leitung/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  acceptOffer,
  CallIdReplayGuard,
  clientIdOf,
  completeCall,
  createCallOffer,
  decodeCallData,
  encodeCallData,
  openCallOffer,
} from '../src/index.js';
import { codeOf, crypto, key } from './fixtures.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
let mallory: RsaPrivateKey;
const NOW = 1_800_000_000_000;

beforeAll(async () => {
  [alice, bob, mallory] = await Promise.all([key('alice'), key('bob'), key('mallory')]);
});

const id = (k: RsaPrivateKey) => clientIdOf(crypto, k.publicKey);

function offerFrom(caller: RsaPrivateKey, callerId = id(caller), now = NOW) {
  return createCallOffer({
    crypto,
    caller: { id: callerId, privateKey: caller },
    callee: { id: id(bob), publicKey: bob.publicKey },
    codecs: [1, 0],
    now,
  });
}

function open(
  offer: ReturnType<typeof offerFrom>,
  overrides: Partial<Parameters<typeof openCallOffer>[0]> = {},
) {
  return openCallOffer({
    crypto,
    sealedCallData: offer.sealedCallData,
    statedCallId: offer.callId,
    callee: { id: id(bob), privateKey: bob },
    statedCallerId: id(alice),
    callerPublicKey: alice.publicKey,
    now: NOW + 500,
    replayGuard: new CallIdReplayGuard(),
    ...overrides,
  });
}

describe('call setup (docs/session-protocol.md §3)', () => {
  it('gives both sides matching media keys, one per direction, and erases the secrets', () => {
    const offer = offerFrom(alice);
    const opened = open(offer);
    expect(opened.codecs).toEqual([1, 0]);
    const answer = acceptOffer(crypto, opened);
    const callerKeys = completeCall(crypto, offer.pending, answer);
    expect(callerKeys.sendKey).toEqual(answer.keys.receiveKey);
    expect(callerKeys.receiveKey).toEqual(answer.keys.sendKey);
    expect(callerKeys.sendKey).not.toEqual(callerKeys.receiveKey);
    // The pending call and the opened offer no longer hold usable secrets.
    expect(offer.pending.destroyed).toBe(true);
    expect(opened.destroyed).toBe(true);
    expect(codeOf(() => completeCall(crypto, offer.pending, answer))).toBe('SESSION_ERR_DESTROYED');
    expect(codeOf(() => acceptOffer(crypto, opened))).toBe('SESSION_ERR_DESTROYED');
    // No method or property hands a secret out (docs/session-protocol.md §3).
    for (const holder of [offer.pending, opened] as object[]) {
      expect('material' in holder || 'secret' in holder).toBe(false);
      expect(JSON.stringify(holder)).not.toMatch(/secret/);
    }
    callerKeys.destroy();
    expect(codeOf(() => callerKeys.sendKey)).toBe('SESSION_ERR_DESTROYED');
  });

  it('keys depend on the ephemeral exchange: the RSA-sealed secret alone does not give them (forward secrecy)', () => {
    const offer = offerFrom(alice);
    const a1 = acceptOffer(crypto, open(offer));
    // Same secret, a different callee ephemeral: different keys.
    const a2 = acceptOffer(crypto, open(offer, { replayGuard: new CallIdReplayGuard() }));
    expect(a1.keys.sendKey).not.toEqual(a2.keys.sendKey);
  });

  it('refuses call data sealed to someone else', () => {
    const offer = createCallOffer({
      crypto,
      caller: { id: id(alice), privateKey: alice },
      callee: { id: id(mallory), publicKey: mallory.publicKey },
      codecs: [1],
      now: NOW,
    });
    expect(codeOf(() => open(offer))).toBe('SESSION_ERR_CALL_DATA_INVALID');
  });

  it('refuses tampered sealed call data', () => {
    const offer = offerFrom(alice);
    const bad = offer.sealedCallData.slice();
    bad[bad.length - 40]! ^= 1;
    expect(codeOf(() => open({ ...offer, sealedCallData: bad }))).toBe('SESSION_ERR_CALL_DATA_INVALID');
  });

  it('refuses an offer whose caller is not the one the relay authenticated (docs/lessons.md #7)', () => {
    // Mallory signs with her key but claims to be Alice in the call data; the relay states Mallory.
    const offer = offerFrom(mallory, id(alice));
    expect(
      codeOf(() => open(offer, { statedCallerId: id(mallory), callerPublicKey: mallory.publicKey })),
    ).toBe('SESSION_ERR_CALLER_MISMATCH');
  });

  it('refuses an offer whose signature does not verify under the caller directory key', () => {
    // Mallory claims Alice's id and the relay (lying) states Alice: the signature gives it away.
    const offer = offerFrom(mallory, id(alice));
    expect(codeOf(() => open(offer))).toBe('SESSION_ERR_CALL_SIGNATURE');
  });

  it('refuses a caller key that does not belong to the stated caller', () => {
    const offer = offerFrom(alice);
    expect(codeOf(() => open(offer, { callerPublicKey: mallory.publicKey }))).toBe(
      'SESSION_ERR_ENTRY_MISMATCH',
    );
  });

  it('refuses an offer for another call id than the relay stated', () => {
    const offer = offerFrom(alice);
    expect(codeOf(() => open(offer, { statedCallId: new Uint8Array(16) }))).toBe(
      'SESSION_ERR_CALL_DATA_INVALID',
    );
  });

  it('refuses an offer addressed to another callee', () => {
    const offer = offerFrom(alice);
    expect(codeOf(() => open(offer, { callee: { id: id(mallory), privateKey: bob } }))).toBe(
      'SESSION_ERR_CALLEE_MISMATCH',
    );
  });

  it('refuses a stale or future offer (±30 s)', () => {
    const offer = offerFrom(alice);
    expect(codeOf(() => open(offer, { now: NOW + 31_000 }))).toBe('SESSION_ERR_CALL_STALE');
    expect(codeOf(() => open(offer, { now: NOW - 31_000 }))).toBe('SESSION_ERR_CALL_STALE');
    expect(codeOf(() => open(offer, { now: NOW + 29_000 }))).toBeUndefined();
  });

  it('a guard restored from its entries refuses the ids it had seen (restart)', () => {
    const offer = offerFrom(alice);
    const guard = new CallIdReplayGuard();
    open(offer, { replayGuard: guard });
    const restored = new CallIdReplayGuard({ seen: JSON.parse(JSON.stringify(guard.entries())) });
    expect(restored.size).toBe(1);
    expect(codeOf(() => open(offer, { replayGuard: restored }))).toBe('SESSION_ERR_CALL_REPLAY');
  });

  it('refuses a replayed call id', () => {
    const offer = offerFrom(alice);
    const guard = new CallIdReplayGuard();
    open(offer, { replayGuard: guard });
    expect(codeOf(() => open(offer, { replayGuard: guard }))).toBe('SESSION_ERR_CALL_REPLAY');
  });

  it('caller refuses an accept without the right key confirmation (a relay cannot fake an accept)', () => {
    const offer = offerFrom(alice);
    const answer = acceptOffer(crypto, open(offer));
    const forged = answer.confirm.slice();
    forged[0]! ^= 1;
    expect(
      codeOf(() =>
        completeCall(crypto, offer.pending, {
          ephemeral: answer.ephemeral,
          kem: answer.kem,
          confirm: forged,
        }),
      ),
    ).toBe('SESSION_ERR_CONFIRM');
  });

  it('caller refuses a low-order (all-zero result) ephemeral key', () => {
    const offer = offerFrom(alice);
    expect(
      codeOf(() =>
        completeCall(crypto, offer.pending, {
          ephemeral: new Uint8Array(32),
          kem: new Uint8Array(1088),
          confirm: new Uint8Array(16),
        }),
      ),
    ).toBe('SESSION_ERR_CONFIRM');
  });

  it('call data encoding round-trips and rejects every truncation', () => {
    const data = {
      callId: new Uint8Array(16).fill(1),
      callerId: new Uint8Array(32).fill(2),
      calleeId: new Uint8Array(32).fill(3),
      secret: new Uint8Array(48).fill(4),
      callerEphemeral: new Uint8Array(32).fill(5),
      callerKem: new Uint8Array(1184).fill(7),
      time: NOW,
      codecs: [1, 0],
    };
    const bytes = encodeCallData(data);
    expect(decodeCallData(bytes)).toEqual(data);
    for (let n = 0; n < bytes.length; n++) {
      expect(codeOf(() => decodeCallData(bytes.subarray(0, n)))).toBe('SESSION_ERR_CALL_DATA_INVALID');
    }
  });
});

describe('tree-head gossip in the call data (docs/key-transparency.md "Gossip in calls")', () => {
  it("carries the caller's encoded head, signed with the offer, to the callee", () => {
    const head = new Uint8Array(600).map((_, i) => i & 0xff);
    const offer = createCallOffer({
      crypto,
      caller: { id: id(alice), privateKey: alice },
      callee: { id: id(bob), publicKey: bob.publicKey },
      codecs: [1],
      now: NOW,
      treeHead: head,
    });
    expect(open(offer).treeHead).toEqual(head);
    expect(open(offerFrom(alice)).treeHead).toBeUndefined();
  });

  it('encodes the head as a bounded tail; a cut or padded tail is malformed', () => {
    const data = {
      callId: new Uint8Array(16).fill(1),
      callerId: new Uint8Array(32).fill(2),
      calleeId: new Uint8Array(32).fill(3),
      secret: new Uint8Array(48).fill(4),
      callerEphemeral: new Uint8Array(32).fill(5),
      callerKem: new Uint8Array(1184).fill(7),
      time: NOW,
      codecs: [1, 0],
      treeHead: new Uint8Array(100).fill(6),
    };
    const bytes = encodeCallData(data);
    expect(decodeCallData(bytes)).toEqual(data);
    const base = bytes.length - 102;
    for (let n = base + 1; n < bytes.length; n++) {
      expect(codeOf(() => decodeCallData(bytes.subarray(0, n)))).toBe('SESSION_ERR_CALL_DATA_INVALID');
    }
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    expect(codeOf(() => decodeCallData(padded))).toBe('SESSION_ERR_CALL_DATA_INVALID');
    expect(codeOf(() => encodeCallData({ ...data, treeHead: new Uint8Array(0) }))).toBe(
      'SESSION_ERR_INVALID_ARGUMENT',
    );
  });
});

describe('CallIdReplayGuard', () => {
  it('forgets ids after the retention window and stays bounded', () => {
    const guard = new CallIdReplayGuard({ retainMs: 1000, maxEntries: 3 });
    const a = new Uint8Array(16).fill(1);
    expect(guard.admit(a, 0)).toBe(true);
    expect(guard.admit(a, 500)).toBe(false);
    expect(guard.admit(a, 2000)).toBe(true);
    for (let i = 2; i < 10; i++) guard.admit(new Uint8Array(16).fill(i), 2000);
    expect(guard.size).toBe(3);
  });
});
