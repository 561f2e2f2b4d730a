/**
 * The core's side of the crypto workers (docs/relay.md "Crypto workers"), in-process with a fake clock: with
 * `offloadKeyOperations` the RSA work of registration leaves the core as `key-operation` outputs and the handshake
 * continues with `keyOperationCompleted`; every failure keeps the inline path's code, a refusal closes with the
 * given code, and the handshake timeout keeps running while an operation is out.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { ClientHandshake, type RelayKeyOperation, runRelayKeyOperation } from '@leitung/session';
import { decodeMessage, encodeMessage } from '@leitung/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RelayOutput } from '../src/core/index.js';
import { RelayErrorCode } from '../src/index.js';
import { Harness, type Peer } from './support/harness.js';
import { crypto, key } from './support/keys.js';

let relayKey: RsaPrivateKey;
let alice: RsaPrivateKey;

beforeAll(async () => {
  [relayKey, alice] = await Promise.all([key('relay'), key('alice')]);
});

/** Feeds outputs to the harness and returns the key operations among them (for `peer`). */
function split(h: Harness, peer: Peer, outputs: readonly RelayOutput[]): RelayKeyOperation[] {
  const operations: RelayKeyOperation[] = [];
  for (const output of outputs) {
    if (output.kind === 'key-operation' && output.connId === peer.connId) operations.push(output.operation);
    else h.apply([output]);
  }
  return operations;
}

function client(h: Harness): ClientHandshake {
  return new ClientHandshake({
    crypto,
    privateKey: alice,
    name: 'alice',
    pinnedRelayFingerprint: h.relayKey.publicKey.fingerprint(),
  });
}

/** The result a worker would post: the operation run with the relay key, or undefined when it fails. */
function run(operation: RelayKeyOperation): Uint8Array | undefined {
  try {
    return runRelayKeyOperation(crypto, relayKey, operation);
  } catch {
    return undefined;
  }
}

describe('key operations of the sans-I/O core (docs/relay.md "Crypto workers")', () => {
  it('hands out the key check with the sealing and the PROVE decryption, and continues with their results', () => {
    const h = new Harness(relayKey, { offloadKeyOperations: true });
    const peer = h.open();
    const handshake = client(h);
    const [seal, ...more] = split(h, peer, h.core.frameReceived(peer.connId, handshake.start(), h.now));
    expect(more).toEqual([]);
    expect(seal?.op).toBe('seal-challenge');
    expect(peer.inbox).toEqual([]);
    if (seal === undefined) throw new Error('no operation');
    const sends: Uint8Array[] = [];
    const collect = (outputs: readonly RelayOutput[]) => {
      for (const output of outputs) {
        if (output.kind === 'send') sends.push(output.payload);
        else h.apply([output]);
      }
    };
    collect(h.core.keyOperationCompleted(peer.connId, run(seal), h.now));
    const challenge = sends.shift();
    if (challenge === undefined) throw new Error('no CHALLENGE');
    const [decrypt] = split(
      h,
      peer,
      h.core.frameReceived(peer.connId, handshake.onChallenge(challenge), h.now),
    );
    expect(decrypt?.op).toBe('oaep-decrypt');
    if (decrypt === undefined) throw new Error('no operation');
    collect(h.core.keyOperationCompleted(peer.connId, run(decrypt), h.now));
    const welcome = sends.shift();
    if (welcome === undefined) throw new Error('no WELCOME');
    expect(handshake.onWelcome(welcome).welcome.entry.name).toBe('alice');
    expect(h.core.directorySize).toBe(1);
  });

  it('keeps the inline codes: a failed decryption is PROOF_FAILED, a refused key REGISTER_INVALID', () => {
    const h = new Harness(relayKey, { offloadKeyOperations: true });
    const refusedKey = h.open();
    split(h, refusedKey, h.core.frameReceived(refusedKey.connId, client(h).start(), h.now));
    h.apply(h.core.keyOperationCompleted(refusedKey.connId, undefined, h.now));
    expect(h.take(refusedKey, 'ERROR').code).toBe(RelayErrorCode.RegisterInvalid);
    expect(refusedKey.closed).toBe(RelayErrorCode.RegisterInvalid);

    const failedProof = h.open();
    const handshake = client(h);
    const [seal] = split(h, failedProof, h.core.frameReceived(failedProof.connId, handshake.start(), h.now));
    if (seal === undefined) throw new Error('no operation');
    const challenge = h.core
      .keyOperationCompleted(failedProof.connId, run(seal), h.now)
      .find((output) => output.kind === 'send')?.payload;
    if (challenge === undefined) throw new Error('no CHALLENGE');
    split(h, failedProof, h.core.frameReceived(failedProof.connId, handshake.onChallenge(challenge), h.now));
    h.apply(h.core.keyOperationCompleted(failedProof.connId, undefined, h.now));
    expect(h.take(failedProof, 'ERROR').code).toBe(RelayErrorCode.ProofFailed);
    expect(h.core.directorySize).toBe(0);
  });

  it('a refused operation closes with its code; a frame meanwhile is UNEXPECTED_MESSAGE; late results are dropped', () => {
    const h = new Harness(relayKey, { offloadKeyOperations: true });
    const busy = h.open();
    split(h, busy, h.core.frameReceived(busy.connId, client(h).start(), h.now));
    h.apply(h.core.keyOperationRefused(busy.connId, RelayErrorCode.CryptoBusy, 'busy', h.now));
    expect(h.take(busy, 'ERROR').code).toBe(RelayErrorCode.CryptoBusy);
    expect(busy.closed).toBe(RelayErrorCode.CryptoBusy);
    // The result of the refused operation, arriving after all, changes nothing.
    expect(h.core.keyOperationCompleted(busy.connId, new Uint8Array(512), h.now)).toEqual([]);

    const eager = h.open();
    const [seal] = split(h, eager, h.core.frameReceived(eager.connId, client(h).start(), h.now));
    h.plain(eager, encodeMessage({ type: 'PING', nonce: new Uint8Array(8), sentAt: 0 }));
    expect(h.take(eager, 'ERROR').code).toBe(RelayErrorCode.UnexpectedMessage);
    if (seal === undefined) throw new Error('no operation');
    expect(h.core.keyOperationCompleted(eager.connId, run(seal), h.now)).toEqual([]);
  });

  it('the handshake timeout keeps running while an operation is out', () => {
    const h = new Harness(relayKey, { offloadKeyOperations: true, limits: { handshakeTimeoutMs: 5000 } });
    const slow = h.open();
    split(h, slow, h.core.frameReceived(slow.connId, client(h).start(), h.now));
    h.tick(5001);
    expect(slow.closed).toBe(RelayErrorCode.HandshakeTimeout);
    expect(h.core.unauthenticatedCount).toBe(0);
  });

  it('inline (the default) hands nothing out', () => {
    const h = new Harness(relayKey);
    const peer = h.open();
    const outputs = h.core.frameReceived(peer.connId, client(h).start(), h.now);
    expect(outputs.some((output) => output.kind === 'key-operation')).toBe(false);
    h.apply(outputs);
    expect(decodeMessage(encodeMessage(h.take(peer, 'CHALLENGE'))).type).toBe('CHALLENGE');
  });
});
