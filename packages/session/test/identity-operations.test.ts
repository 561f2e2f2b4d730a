/**
 * Identity key operations in two halves (docs/session-protocol.md "Identity key operations"): a client whose
 * private key is held elsewhere — here Node's WebCrypto, the API a page has, with a non-extractable key —
 * registers, calls, answers and rotates through `begin…`/`finish…`, and a failure of the key's holder ends
 * each step with the code the one-call form gives for the same failure.
 */
import { createPrivateKey } from 'node:crypto';
import { type RsaPrivateKey, type WebCryptoRsaPrivateKey, webCryptoRsa } from '@leitung/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import {
  acceptOffer,
  beginCallOffer,
  beginKeyRotation,
  CallIdReplayGuard,
  ClientHandshake,
  callOfferOpening,
  checkKeyRotation,
  clientIdOf,
  completeCall,
  createCallOffer,
  finishOpenCallOffer,
  type IdentityOperation,
  type IdentityOperationResult,
  RelayHandshake,
  runIdentityOperation,
} from '../src/index.js';
import { codeOf, crypto, key, TestDirectory } from './fixtures.js';

const rsa = webCryptoRsa();
const NOW = 1_800_000_000_000;
let relayKey: RsaPrivateKey;
let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
/** Alice's and Bob's keys as a page holds them: inside WebCrypto, not extractable. */
let aliceHeld: WebCryptoRsaPrivateKey;
let bobHeld: WebCryptoRsaPrivateKey;

async function held(name: string): Promise<WebCryptoRsaPrivateKey> {
  const pem = (await testKeyPair(name)).privateKeyPem;
  return rsa.importPrivate(new Uint8Array(createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' })));
}

/** What the key's holder answers: WebCrypto's own OAEP and PSS. */
async function run(key: WebCryptoRsaPrivateKey, op: IdentityOperation): Promise<IdentityOperationResult> {
  try {
    const value =
      op.op === 'oaep-decrypt'
        ? await rsa.oaepDecrypt(key, op.ciphertext, op.label)
        : await rsa.pssSign(key, op.message);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

const failure: IdentityOperationResult = { ok: false, error: new Error('token removed') };

beforeAll(async () => {
  [relayKey, alice, bob] = await Promise.all([key('relay'), key('alice'), key('bob')]);
  [aliceHeld, bobHeld] = await Promise.all([held('alice'), held('bob')]);
});

/** REGISTER → CHALLENGE for a client holding only its public key; the relay side as a relay core runs it. */
function challenged(dir: TestDirectory) {
  const client = new ClientHandshake({
    crypto,
    publicKey: alice.publicKey,
    name: 'alice',
    pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
  });
  const relay = new RelayHandshake({ crypto, privateKey: relayKey });
  relay.onRegister(client.start());
  const challenge = relay.challenge({ treeHead: dir.head(), consistencyProof: [] });
  return { client, relay, challenge };
}

describe('registration with a key held elsewhere', () => {
  it('registers through beginChallenge/finishChallenge with a WebCrypto key', async () => {
    const dir = new TestDirectory(relayKey);
    const { client, relay, challenge } = challenged(dir);
    const operation = client.beginChallenge(challenge);
    expect(operation.op).toBe('oaep-decrypt');
    const prove = client.finishChallenge(await run(aliceHeld, operation));
    const relayChannel = relay.onProve(prove);
    expect(relayChannel).toBeDefined();
    // The one-call form needs the private key, and says so.
    expect(codeOf(() => challenged(dir).client.onChallenge(challenge))).toBe(
      'SESSION_ERR_UNEXPECTED_MESSAGE',
    );
  });

  it('a holder that fails gives the code a wrong key gives, and the handshake is over', async () => {
    const dir = new TestDirectory(relayKey);
    const { client, challenge } = challenged(dir);
    const operation = client.beginChallenge(challenge);
    expect(codeOf(() => client.finishChallenge(failure))).toBe('SESSION_ERR_UNEXPECTED_MESSAGE');
    expect(codeOf(() => client.finishChallenge(failure))).toBe('SESSION_ERR_UNEXPECTED_MESSAGE');
    // Bob's key cannot read Alice's challenge: the same code.
    const other = challenged(dir);
    const wrong = await run(bobHeld, other.client.beginChallenge(other.challenge));
    expect(wrong.ok).toBe(false);
    expect(codeOf(() => other.client.finishChallenge(wrong))).toBe('SESSION_ERR_UNEXPECTED_MESSAGE');
    expect(operation.op).toBe('oaep-decrypt');
  });

  it('checks CHALLENGE before asking the key: a relay that is not pinned gets no decryption', () => {
    const dir = new TestDirectory(bob);
    const client = new ClientHandshake({
      crypto,
      publicKey: alice.publicKey,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
    });
    const impostor = new RelayHandshake({ crypto, privateKey: bob });
    impostor.onRegister(client.start());
    const challenge = impostor.challenge({ treeHead: dir.head(), consistencyProof: [] });
    expect(codeOf(() => client.beginChallenge(challenge))).toBe('SESSION_ERR_RELAY_KEY_MISMATCH');
  });
});

describe('calls with keys held elsewhere', () => {
  const aliceId = () => clientIdOf(crypto, alice.publicKey);
  const bobId = () => clientIdOf(crypto, bob.publicKey);
  const draft = () =>
    beginCallOffer({
      crypto,
      caller: { id: aliceId() },
      callee: { id: bobId(), publicKey: bob.publicKey },
      codecs: [2],
      now: NOW,
    });
  const check = (sealedCallData: Uint8Array, callId: Uint8Array) => ({
    crypto,
    sealedCallData,
    statedCallId: callId,
    callee: { id: bobId() },
    statedCallerId: aliceId(),
    callerPublicKey: alice.publicKey,
    now: NOW + 100,
    replayGuard: new CallIdReplayGuard(),
  });

  it('a WebCrypto caller signs, a WebCrypto callee opens, and both get the same media keys', async () => {
    const offerDraft = draft();
    const offer = offerDraft.finish(await run(aliceHeld, offerDraft.operation));
    const opening = callOfferOpening(crypto, offer.sealedCallData);
    expect(opening?.op).toBe('oaep-decrypt');
    const opened = finishOpenCallOffer(
      check(offer.sealedCallData, offer.callId),
      await run(bobHeld, opening!),
    );
    const answer = acceptOffer(crypto, opened);
    const keys = completeCall(crypto, offer.pending, answer);
    expect(keys.sendKey).toEqual(answer.keys.receiveKey);
  });

  it('a failed signature erases the draft (SESSION_ERR_KEY_OPERATION, then SESSION_ERR_DESTROYED)', () => {
    const offerDraft = draft();
    expect(codeOf(() => offerDraft.finish(failure))).toBe('SESSION_ERR_KEY_OPERATION');
    expect(codeOf(() => offerDraft.finish({ ok: true, value: new Uint8Array(512) }))).toBe(
      'SESSION_ERR_DESTROYED',
    );
  });

  it('a sealing that throws erases the draft too: its keys are destroyed and it cannot be finished again', () => {
    const made: { destroyed: boolean }[] = [];
    const failing = {
      ...crypto,
      generateX25519KeyPair: () => {
        const pair = crypto.generateX25519KeyPair();
        made.push(pair.privateKey);
        return pair;
      },
      seal: () => {
        throw new Error('sealing failed');
      },
    };
    const offerDraft = beginCallOffer({
      crypto: failing,
      caller: { id: aliceId() },
      callee: { id: bobId(), publicKey: bob.publicKey },
      codecs: [2],
      now: NOW,
    });
    const signature = runIdentityOperation(crypto, alice, offerDraft.operation);
    expect(() => offerDraft.finish(signature)).toThrow('sealing failed');
    expect(made.map((k) => k.destroyed)).toEqual([true]);
    expect(codeOf(() => offerDraft.finish(signature))).toBe('SESSION_ERR_DESTROYED');
  });

  it('a failed or wrong unwrap is SESSION_ERR_CALL_DATA_INVALID, as a tampered box is', async () => {
    const offer = createCallOffer({
      crypto,
      caller: { id: aliceId(), privateKey: alice },
      callee: { id: bobId(), publicKey: bob.publicKey },
      codecs: [2],
      now: NOW,
    });
    const opening = callOfferOpening(crypto, offer.sealedCallData)!;
    const byAlice = await run(aliceHeld, opening);
    const tampered = offer.sealedCallData.slice();
    tampered[tampered.length - 1]! ^= 1;
    const codes = [
      codeOf(() => finishOpenCallOffer(check(offer.sealedCallData, offer.callId), failure)),
      codeOf(() => finishOpenCallOffer(check(offer.sealedCallData, offer.callId), byAlice)),
      codeOf(() => finishOpenCallOffer(check(offer.sealedCallData, offer.callId), undefined)),
    ];
    const unwrapped = await run(bobHeld, callOfferOpening(crypto, tampered)!);
    codes.push(codeOf(() => finishOpenCallOffer(check(tampered, offer.callId), unwrapped)));
    expect(codes).toEqual(Array(4).fill('SESSION_ERR_CALL_DATA_INVALID'));
    expect(callOfferOpening(crypto, offer.sealedCallData.subarray(0, 40))).toBeUndefined();
    // The right holder still opens it: the refusals above were the failures, not the offer.
    const good = finishOpenCallOffer(check(offer.sealedCallData, offer.callId), await run(bobHeld, opening));
    expect(good.codecs).toEqual([2]);
  });
});

describe('key rotation with the current key held elsewhere', () => {
  it('the old key signs through WebCrypto and the rotation checks out', async () => {
    const logId = new Uint8Array(32).fill(9);
    const rotation = beginKeyRotation(crypto, {
      logId,
      name: 'alice',
      previousKey: alice.publicKey,
      nextKey: bob,
    });
    const signed = rotation.finish(await run(aliceHeld, rotation.operation));
    const previous = {
      name: 'alice',
      clientId: clientIdOf(crypto, alice.publicKey),
      publicKey: alice.publicKey.toDer(),
    };
    const entry = {
      index: 1,
      clientId: clientIdOf(crypto, signed.publicKey),
      name: 'alice',
      publicKey: signed.publicKey,
      time: NOW,
      rotation: { previous: previous.clientId, signature: signed.signature },
    };
    expect(() => checkKeyRotation(crypto, logId, entry, previous)).not.toThrow();
    expect(codeOf(() => rotation.finish(failure))).toBe('SESSION_ERR_KEY_OPERATION');
  });
});
