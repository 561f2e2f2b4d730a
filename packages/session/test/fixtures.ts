import { createCrypto, type LeitungCrypto, type RsaPrivateKey } from '@leitung/crypto';
import { MemoryStorage, MerkleLog } from '@leitung/merkle';
import type { DirectoryEntry, MapProof, SignedTreeHead } from '@leitung/wire';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import { clientIdOf, logIdOf, nameMapKey, nameMapOf, signKeyRotation, signTreeHead } from '../src/index.js';

export const crypto: LeitungCrypto = createCrypto();

/** The `code` of what `fn` throws, or undefined when it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

export async function key(name: string): Promise<RsaPrivateKey> {
  return crypto.importRsaPrivateKey((await testKeyPair(name)).privateKeyPem);
}

/** A relay-side directory: a Merkle log of entries whose heads the relay key signs. */
export class TestDirectory {
  readonly log = new MerkleLog({ storage: new MemoryStorage() });
  readonly entries: DirectoryEntry[] = [];
  constructor(readonly relayKey: RsaPrivateKey) {}

  add(name: string, publicKey: Uint8Array, time = 1_700_000_000_000): DirectoryEntry {
    const entry: DirectoryEntry = {
      index: this.entries.length,
      clientId: clientIdOf(crypto, publicKey),
      name,
      publicKey,
      time,
    };
    this.log.appendEntry(entry);
    this.entries.push(entry);
    return entry;
  }

  /** Appends a rotation of `previous` to `nextKey`, signed by `signer` (the old key, when honest). */
  rotate(
    previous: DirectoryEntry,
    signer: RsaPrivateKey,
    nextKey: RsaPrivateKey,
    time = 1_700_000_000_000,
  ): DirectoryEntry {
    const signed = signKeyRotation(crypto, {
      logId: logIdOf(crypto, this.relayKey.publicKey),
      name: previous.name,
      previousKey: signer,
      nextKey,
    });
    const entry: DirectoryEntry = {
      index: this.entries.length,
      clientId: clientIdOf(crypto, signed.publicKey),
      name: previous.name,
      publicKey: signed.publicKey,
      time,
      rotation: { previous: previous.clientId, signature: signed.signature },
    };
    this.log.appendEntry(entry);
    this.entries.push(entry);
    return entry;
  }

  head(size = this.entries.length, time = 1_700_000_000_000): SignedTreeHead {
    return signTreeHead(crypto, this.relayKey, {
      logId: logIdOf(crypto, this.relayKey.publicKey),
      size,
      root: this.log.root(size),
      mapRoot: nameMapOf(this.entries.slice(0, size)).root(),
      time,
    });
  }

  /** Name-map proof of `name` in the map of the first `size` entries. */
  mapProof(name: string, size = this.entries.length): MapProof {
    return nameMapOf(this.entries.slice(0, size)).prove(nameMapKey(name));
  }
}
