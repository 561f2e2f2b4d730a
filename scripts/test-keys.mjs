// Test-only RSA-4096 key pairs for the repository's test suites: generating a 4096-bit key takes seconds,
// so suites share pre-generated ones made by this script. Keys are generated on first use with node:crypto and
// cached under node_modules/.cache (mode 0600), so no private key is ever committed (docs/lessons.md #11) and suites
// stay fast after the first run. Never use these keys outside tests.
//
//   node scripts/test-keys.mjs alice bob relay   # pre-generate (CI warms the cache this way)
//   import { testKeyPair } from '../../../scripts/test-keys.mjs'; await testKeyPair('alice')
import { generateKeyPair } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TEST_KEY_DIR = join(root, 'node_modules', '.cache', 'leitung-test-keys');
const inFlight = new Map();

/** The named test key pair: RSA-4096, e = 65537, SPKI PEM public key and PKCS#8 PEM private key. */
export function testKeyPair(name) {
  if (!/^[a-z0-9-]{1,40}$/.test(name)) throw new Error(`bad test key name: ${name}`);
  let pending = inFlight.get(name);
  if (!pending) {
    pending = load(name);
    inFlight.set(name, pending);
  }
  return pending;
}

async function load(name) {
  const file = join(TEST_KEY_DIR, `${name}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // Not cached yet (or unreadable): make it and publish atomically so parallel suites never see half a file.
  }
  const { publicKey, privateKey } = await generate('rsa', {
    modulusLength: 4096,
    publicExponent: 65537,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const pair = { publicKeyPem: publicKey, privateKeyPem: privateKey };
  mkdirSync(TEST_KEY_DIR, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, JSON.stringify(pair), { mode: 0o600 });
  renameSync(tmp, file);
  return pair;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2);
  await Promise.all(names.map((n) => testKeyPair(n)));
  console.log(`test keys ready in ${TEST_KEY_DIR}: ${names.join(', ')}`);
}
