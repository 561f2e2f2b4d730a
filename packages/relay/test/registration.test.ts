import type { RsaPrivateKey } from '@leitung/crypto';
import { acceptTreeHead, clientIdOf, SessionError, verifyEntry } from '@leitung/session';
import { encodeFrame, encodeMessage } from '@leitung/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
let mallory: RsaPrivateKey;

beforeAll(async () => {
  [alice, bob, mallory] = await Promise.all([key('alice'), key('bob'), key('mallory')]);
});

const fx = useFixture();

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; relayCode?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SessionError) return { code: error.code, relayCode: error.relayCode ?? '' };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('registration over a real socket (docs/design.md §3)', () => {
  it('completes the full handshake: pinned key, signed head, inclusion proof, sealed channel', async () => {
    const relay = await fx.relay();
    const client = await fx.client(relay);
    const result = await client.register(alice, 'alice', relay.fingerprint);
    expect(result.clientId).toEqual(clientIdOf(crypto, alice.publicKey));
    expect(result.welcome.entry.name).toBe('alice');
    expect(result.treeHead.size).toBe(1);
    client.send({ type: 'PING', nonce: new Uint8Array(8).fill(3), sentAt: 1 });
    const pong = await client.next('PONG');
    expect(pong.nonce).toEqual(new Uint8Array(8).fill(3));
    expect(pong.load).toEqual({ clients: 0, calls: 0, packetsPerSecond: 0, capacity: 100 });
  });

  it('refuses a wrong challenge answer with RELAY_ERR_PROOF_FAILED and closes', async () => {
    const relay = await fx.relay();
    const client = await fx.client(relay);
    client.sendPlain({
      type: 'REGISTER',
      name: 'mallory',
      publicKey: alice.publicKey.toDer(),
      clientNonce: new Uint8Array(32),
      knownTreeSize: 0,
    });
    const challenge = await client.nextPlain();
    expect(challenge.type).toBe('CHALLENGE');
    // Mallory claims Alice's key but cannot decrypt the challenge: she guesses.
    const relayKey = crypto.importRsaPublicKey(
      challenge.type === 'CHALLENGE' ? challenge.relayPublicKey : new Uint8Array(),
    );
    const guess = crypto.rsaEncrypt(
      relayKey,
      crypto.randomBytes(64),
      new TextEncoder().encode('leitung/v1 prove'),
    );
    client.sendPlain({ type: 'PROVE', sealed: guess, confirm: new Uint8Array(32) });
    const error = await client.nextPlain();
    expect(error).toMatchObject({ type: 'ERROR', code: 'RELAY_ERR_PROOF_FAILED', fatal: true });
    await client.waitClosed();
    // Nothing was written: the name is still free for its real owner.
    expect(relay.core.directorySize).toBe(0);
  });

  it('refuses name squatting (another key for a bound name, any case) and lets the owner log in', async () => {
    const relay = await fx.relay();
    await (await fx.client(relay)).register(alice, 'alice', relay.fingerprint);
    for (const name of ['alice', 'Alice', 'ALICE']) {
      const squatter = await fx.client(relay);
      const { code, relayCode } = await refusal(squatter.register(mallory, name, relay.fingerprint));
      expect(code).toBe('SESSION_ERR_REFUSED');
      expect(relayCode).toBe('RELAY_ERR_NAME_TAKEN');
      await squatter.waitClosed();
    }
    const again = await fx.client(relay);
    const login = await again.register(alice, 'alice', relay.fingerprint);
    expect(login.welcome.entry.index).toBe(0);
    expect(relay.core.directorySize).toBe(1);
    expect(relay.core.stats.logins).toBe(1);
  });

  it('refuses invalid names and a second name for a bound key', async () => {
    const relay = await fx.relay();
    await (await fx.client(relay)).register(alice, 'alice', relay.fingerprint);
    const cases: [string, string][] = [
      ['al\u200bice', 'RELAY_ERR_NAME_INVALID'],
      [' alice', 'RELAY_ERR_NAME_INVALID'],
      ['a'.repeat(33), 'RELAY_ERR_NAME_INVALID'],
      ['alice2', 'RELAY_ERR_KEY_REGISTERED'],
    ];
    for (const [name, expected] of cases) {
      const client = await fx.client(relay);
      expect((await refusal(client.register(alice, name, relay.fingerprint))).relayCode).toBe(expected);
    }
  });

  it('closes only the connection whose sealed frame was tampered with', async () => {
    const relay = await fx.relay();
    const a = await fx.client(relay);
    const b = await fx.client(relay);
    await a.register(alice, 'alice', relay.fingerprint);
    await b.register(bob, 'bob', relay.fingerprint);
    const sealed = a.channel!.seal({ type: 'PING', nonce: new Uint8Array(8), sentAt: 1 });
    sealed[sealed.length - 5]! ^= 0x01;
    await a.next('PHONEBOOK_DELTA');
    const before = a.history.length;
    a.sendRaw(encodeFrame(sealed));
    // The relay's channel is poisoned by the failure, so it cannot seal an ERROR: it closes and counts.
    await a.waitClosed();
    expect(a.history.length).toBe(before);
    expect(relay.core.stats.refusals.get('RELAY_ERR_CHANNEL_AUTH')).toBe(1);
    b.send({ type: 'PING', nonce: new Uint8Array(8).fill(9), sentAt: 2 });
    expect((await b.next('PONG')).nonce).toEqual(new Uint8Array(8).fill(9));
    expect(b.isClosed).toBe(false);
  });

  it('answers PING unsealed before REGISTER (relay probing) and refuses other messages', async () => {
    const relay = await fx.relay();
    const probe = await fx.client(relay);
    probe.sendPlain({ type: 'PING', nonce: new Uint8Array(8).fill(1), sentAt: 1 });
    expect(await probe.nextPlain()).toMatchObject({ type: 'PONG', load: { clients: 0, calls: 0 } });
    probe.sendPlain({ type: 'GET_CONSISTENCY', requestId: 1, fromSize: 1 });
    expect(await probe.nextPlain()).toMatchObject({ type: 'ERROR', code: 'RELAY_ERR_UNEXPECTED_MESSAGE' });
    await probe.waitClosed();
    const forger = await fx.client(relay);
    forger.sendRaw(
      encodeFrame(
        encodeMessage({
          type: 'INCOMING_CALL',
          callId: new Uint8Array(16),
          caller: new Uint8Array(32),
          callerName: 'x',
          sealedCallData: new Uint8Array(1),
        }),
      ),
    );
    expect(await forger.nextPlain()).toMatchObject({ type: 'ERROR', code: 'WIRE_ERR_WRONG_SENDER' });
  });

  it('key lookup: entry, inclusion proof and signed head verify; consistency proofs verify', async () => {
    const relay = await fx.relay();
    const a = await fx.client(relay);
    const first = await a.register(alice, 'alice', relay.fingerprint);
    await (await fx.client(relay)).register(bob, 'bob', relay.fingerprint);
    await (await fx.client(relay)).register(mallory, 'mallory', relay.fingerprint);
    a.send({ type: 'GET_PUBLIC_KEY', requestId: 7, target: { by: 'name', name: 'bob' } });
    const found = await a.next('PUBLIC_KEY');
    expect(found.requestId).toBe(7);
    expect(found.entry.publicKey).toEqual(bob.publicKey.toDer());
    acceptTreeHead({
      crypto,
      signingKey: first.relayPublicKey,
      previous: first.treeHead,
      next: found.treeHead,
      consistencyProof: relay.core.directorySize > 1 ? await consistency(a, 1) : [],
    });
    verifyEntry(found.entry, found.inclusionProof, found.treeHead);
    // A proof for another entry does not verify this one (the check can fail).
    a.send({
      type: 'GET_PUBLIC_KEY',
      requestId: 8,
      target: { by: 'clientId', clientId: clientIdOf(crypto, mallory.publicKey) },
    });
    const other = await a.next('PUBLIC_KEY');
    expect(other.entry.name).toBe('mallory');
    expect(() => verifyEntry(found.entry, other.inclusionProof, found.treeHead)).toThrow(SessionError);

    a.send({ type: 'GET_PUBLIC_KEY', requestId: 9, target: { by: 'name', name: 'nobody' } });
    expect(await a.next('ERROR')).toMatchObject({ requestId: 9, code: 'RELAY_ERR_NOT_FOUND', fatal: false });
    a.send({ type: 'GET_CONSISTENCY', requestId: 10, fromSize: 5 });
    expect(await a.next('ERROR')).toMatchObject({
      requestId: 10,
      code: 'RELAY_ERR_BAD_REQUEST',
      fatal: false,
    });
  });

  it('sends every entry in CHALLENGE for a small directory (the client checks it against the signed root)', async () => {
    const relay = await fx.relay();
    await (await fx.client(relay)).register(alice, 'alice', relay.fingerprint);
    const probe = await fx.client(relay);
    probe.sendPlain({
      type: 'REGISTER',
      name: 'bob',
      publicKey: bob.publicKey.toDer(),
      clientNonce: new Uint8Array(32),
      knownTreeSize: 0,
    });
    const challenge = await probe.nextPlain();
    expect(challenge.type === 'CHALLENGE' && challenge.directory?.map((e) => e.publicKey)).toEqual([
      alice.publicKey.toDer(),
    ]);
  });
});

async function consistency(
  client: Awaited<ReturnType<ReturnType<typeof useFixture>['client']>>,
  from: number,
) {
  client.send({ type: 'GET_CONSISTENCY', requestId: 99, fromSize: from });
  const answer = await client.next('CONSISTENCY');
  return answer.proof;
}
