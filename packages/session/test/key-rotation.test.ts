/**
 * Key rotation (docs/key-transparency.md, "Key rotation"): only the name's current key can move the name,
 * within one log, to one new key; the name map follows valid rotations, and a client refuses a directory
 * whose "rotation" the old key did not sign.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkDirectoryNameMap,
  checkKeyRotation,
  clientIdOf,
  logIdOf,
  nameMapOf,
  rotationStatement,
  signKeyRotation,
  verifyNameBinding,
} from '../src/index.js';
import { codeOf, crypto, key, TestDirectory } from './fixtures.js';

let relayKey: RsaPrivateKey;
let aliceKey: RsaPrivateKey;
let alice2Key: RsaPrivateKey;
let malloryKey: RsaPrivateKey;

beforeAll(async () => {
  [relayKey, aliceKey, alice2Key, malloryKey] = await Promise.all([
    key('relay'),
    key('alice'),
    key('bob'),
    key('mallory'),
  ]);
});

describe('rotation statement and signatures', () => {
  it('lays the statement out as documented: label ‖ logId ‖ lp(name) ‖ previous ‖ lp(key)', () => {
    const statement = rotationStatement({
      logId: new Uint8Array(32).fill(1),
      name: 'Zoë',
      previous: new Uint8Array(32).fill(2),
      publicKey: Uint8Array.of(0x30, 0x00),
    });
    const expected = Buffer.concat([
      Buffer.from('leitung/v1 key-rotation'),
      Buffer.alloc(32, 1),
      Buffer.from([0, 0, 0, 4]),
      Buffer.from('Zoë'),
      Buffer.alloc(32, 2),
      Buffer.from([0, 0, 0, 2, 0x30, 0x00]),
    ]);
    expect(Buffer.from(statement).toString('hex')).toBe(expected.toString('hex'));
  });

  it('both keys sign the same statement: the old key authorises, the new key proves possession', () => {
    const logId = logIdOf(crypto, relayKey.publicKey);
    const signed = signKeyRotation(crypto, {
      logId,
      name: 'alice',
      previousKey: aliceKey,
      nextKey: alice2Key,
    });
    const statement = rotationStatement({
      logId,
      name: 'alice',
      previous: clientIdOf(crypto, aliceKey.publicKey),
      publicKey: signed.publicKey,
    });
    expect(crypto.verify(aliceKey.publicKey, statement, signed.signature)).toBe(true);
    expect(crypto.verify(alice2Key.publicKey, statement, signed.possession)).toBe(true);
  });
});

describe('checkKeyRotation', () => {
  it('accepts a rotation the old key signed, for this log and this name', () => {
    const dir = new TestDirectory(relayKey);
    const first = dir.add('alice', aliceKey.publicKey.toDer());
    const rotated = dir.rotate(first, aliceKey, alice2Key);
    expect(codeOf(() => checkKeyRotation(crypto, dir.head().logId, rotated, first))).toBeUndefined();
  });

  it('refuses a rotation signed by anyone but the old key, for another log, name or previous key', () => {
    const dir = new TestDirectory(relayKey);
    const first = dir.add('alice', aliceKey.publicKey.toDer());
    const other = dir.add('bob', malloryKey.publicKey.toDer());
    const logId = dir.head().logId;
    // The relay (or mallory) "rotates" alice's name to mallory's key, signing with mallory's key.
    const forged = dir.rotate(first, malloryKey, alice2Key);
    expect(codeOf(() => checkKeyRotation(crypto, logId, forged, first))).toBe('SESSION_ERR_KEY_ROTATION');
    const valid = dir.rotate(first, aliceKey, alice2Key);
    // The same signature does not hold in another log…
    expect(codeOf(() => checkKeyRotation(crypto, new Uint8Array(32), valid, first))).toBe(
      'SESSION_ERR_KEY_ROTATION',
    );
    // …for another name (a rename is not a rotation) or as a rotation of another binding.
    expect(codeOf(() => checkKeyRotation(crypto, logId, { ...valid, name: 'Alice' }, first))).toBe(
      'SESSION_ERR_KEY_ROTATION',
    );
    expect(codeOf(() => checkKeyRotation(crypto, logId, valid, other))).toBe('SESSION_ERR_KEY_ROTATION');
    const { rotation: _, ...plain } = valid;
    expect(codeOf(() => checkKeyRotation(crypto, logId, plain, first))).toBe('SESSION_ERR_KEY_ROTATION');
  });
});

describe('the name map follows rotations', () => {
  it('binds the name to the rotation: the old entry is now refused on lookup, the new one accepted', () => {
    const dir = new TestDirectory(relayKey);
    const first = dir.add('alice', aliceKey.publicKey.toDer());
    dir.add('bob', malloryKey.publicKey.toDer());
    const rotated = dir.rotate(first, aliceKey, alice2Key);
    const head = dir.head();
    verifyNameBinding(rotated, dir.mapProof('alice'), head);
    expect(codeOf(() => verifyNameBinding(first, dir.mapProof('alice'), head))).toBe(
      'SESSION_ERR_NAME_BINDING',
    );
    // The head before the rotation still binds the first entry.
    verifyNameBinding(first, dir.mapProof('alice', 2), dir.head(2));
    expect(nameMapOf(dir.entries).size).toBe(2);
  });

  it('a small directory with a valid rotation passes; a forged one is SESSION_ERR_KEY_ROTATION', () => {
    const honest = new TestDirectory(relayKey);
    const first = honest.add('alice', aliceKey.publicKey.toDer());
    honest.rotate(first, aliceKey, alice2Key);
    expect(codeOf(() => checkDirectoryNameMap(crypto, honest.entries, honest.head()))).toBeUndefined();

    const forged = new TestDirectory(relayKey);
    const victim = forged.add('alice', aliceKey.publicKey.toDer());
    forged.rotate(victim, malloryKey, malloryKey);
    expect(codeOf(() => checkDirectoryNameMap(crypto, forged.entries, forged.head()))).toBe(
      'SESSION_ERR_KEY_ROTATION',
    );
  });
});
