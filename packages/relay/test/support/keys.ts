import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCrypto, type LeitungCrypto, type RsaPrivateKey } from '@leitung/crypto';
import { testKeyPair } from '../../../../scripts/test-keys.mjs';

export const crypto: LeitungCrypto = createCrypto();

export async function key(name: string): Promise<RsaPrivateKey> {
  return crypto.importRsaPrivateKey((await testKeyPair(name)).privateKeyPem);
}

/** A fresh data directory holding the cached test relay key (so tests skip the ~1 s key generation). */
export async function dataDirWithKey(keyName = 'relay'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'leitung-relay-test-'));
  const file = join(dir, 'relay-key.pem');
  writeFileSync(file, (await testKeyPair(keyName)).privateKeyPem, { mode: 0o600 });
  chmodSync(file, 0o600);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
