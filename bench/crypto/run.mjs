// @leitung/crypto benchmark (docs/design.md §9): the rate of every operation on both backends — native
// (node:crypto / OpenSSL) and portable (node-forge + @noble) — next to `openssl speed -seconds 2 rsa4096`
// on the same machine in the same run, with the native-to-OpenSSL ratio for RSA private-key operations.
//
//   cd packages/crypto && npx tsup && npm run bench
//   (= node ../../bench/crypto/run.mjs [--quick])
//
// Imports the BUILT package. The reference machine is shared (2 cores, other jobs running), so rates are
// per CPU-second of this process rather than per wall-clock second: what an operation costs in CPU does
// not depend on how many other processes wait for the cores, while wall-clock rates fall with the load.
// Each measurement runs one operation in a loop: a warm-up, then three timed windows; the best window
// counts. `openssl speed` divides by its user CPU time (unless given -elapsed), so for the comparison the
// native RSA private-key operations are measured the same way (user CPU time), alternating with
// `openssl speed` for three rounds, best of each.
// Payloads: 1 KiB for hashes, HMAC, the message cipher and sealed boxes; 160 B for media packets (a 20 ms
// Opus frame at ≤ 48 kbit/s is at most 120 B); 32 B for RSA-OAEP.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createCrypto, nativeBackend, portableBackend } from '@leitung/crypto';

const QUICK = process.argv.includes('--quick');
const WINDOW_MS = QUICK ? 100 : 300;
const ROUNDS = 3;
const MIN_ITERATIONS = 3;

/** CPU seconds this process used since `since` (all threads); `userOnly` is openssl's divisor. */
function cpuSeconds(since, userOnly = false) {
  const used = process.cpuUsage(since);
  return (userOnly ? used.user : used.user + used.system) / 1e6;
}

/**
 * Operations per CPU-second of `fn`: best of ROUNDS windows (each ≥ WINDOW_MS of wall-clock time) after
 * a warm-up. `fn` receives a call counter that never repeats, warm-up included.
 */
function measure(fn, userOnly = false) {
  let call = 0;
  const warmEnd = performance.now() + WINDOW_MS / 2;
  do fn(call++);
  while (performance.now() < warmEnd);
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let iterations = 0;
    const startCpu = process.cpuUsage();
    const start = performance.now();
    do {
      fn(call++);
      iterations++;
    } while (performance.now() - start < WINDOW_MS || iterations < MIN_ITERATIONS);
    best = Math.max(best, iterations / cpuSeconds(startCpu, userOnly));
  }
  return best;
}

/** Operations per CPU-second of an async operation (all threads: scrypt runs in the libuv pool). */
async function measureAsync(fn, minMs) {
  await fn();
  let iterations = 0;
  const startCpu = process.cpuUsage();
  const start = performance.now();
  do {
    await fn();
    iterations++;
  } while (performance.now() - start < minMs || iterations < MIN_ITERATIONS);
  return iterations / cpuSeconds(startCpu);
}

function opensslSpeed(seconds) {
  try {
    const out = execFileSync('openssl', ['speed', '-seconds', String(seconds), 'rsa4096'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const m = /rsa\s+4096 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(out);
    if (!m) return undefined;
    return { sign: Number(m[1]), verify: Number(m[2]), line: m[0].replace(/\s+/g, ' ') };
  } catch {
    return undefined;
  }
}

const kib = new Uint8Array(1024).fill(0x61);
const frame = new Uint8Array(160).fill(0x62);
const header = new Uint8Array(14).fill(0x01);
const secret32 = new Uint8Array(32).fill(0x63);

async function benchBackend(backend, keyPem) {
  const c = createCrypto({ backend });
  const priv = c.importRsaPrivateKey(keyPem.privateKeyPem);
  const pub = c.importRsaPublicKey(keyPem.publicKeyPem);
  const oaep = c.rsaEncrypt(pub, secret32);
  const signature = c.sign(priv, kib);
  const sealed = c.seal(pub, kib);
  const message = c.createMessageCipher(c.randomBytes(32), c.randomBytes(32));
  const sealedMessage = message.seal(kib, header);
  const x = c.generateX25519KeyPair();
  const y = c.generateX25519KeyPair();
  const r = {};
  r['RSA-4096 OAEP encrypt (32 B)'] = measure(() => c.rsaEncrypt(pub, secret32));
  r['RSA-4096 OAEP decrypt'] = measure(() => c.rsaDecrypt(priv, oaep));
  r['RSA-4096 PSS sign (1 KiB)'] = measure(() => c.sign(priv, kib));
  r['RSA-4096 PSS verify'] = measure(() => c.verify(pub, kib, signature));
  r['seal 1 KiB (OAEP + AES-CBC + HMAC)'] = measure(() => c.seal(pub, kib));
  r['open 1 KiB'] = measure(() => c.open(priv, sealed));
  r['message cipher seal 1 KiB'] = measure(() => message.seal(kib, header));
  r['message cipher open 1 KiB'] = measure(() => message.open(sealedMessage, header));
  const sender = c.createPacketCipher(c.randomBytes(32));
  r['packet cipher seal 160 B'] = measure((seq) => sender.seal(seq, header, frame));
  // Open needs a fresh authentic packet per call (the replay window refuses repeats): a ring of sealed
  // packets, with a new receiver (three HKDF calls, <1 % of the work) each time the ring starts over.
  const RING = 1024;
  const packetKey = c.randomBytes(32);
  const packetSender = c.createPacketCipher(packetKey);
  const packets = Array.from({ length: RING }, (_, seq) => packetSender.seal(seq, header, frame));
  let receiver = c.createPacketCipher(packetKey);
  r['packet cipher open 160 B'] = measure((call) => {
    const seq = call % RING;
    if (seq === 0) receiver = c.createPacketCipher(packetKey);
    receiver.open(seq, header, packets[seq]);
  });
  r['SHA3-256 1 KiB'] = measure(() => c.sha3_256(kib));
  r['SHA-256 1 KiB'] = measure(() => c.sha256(kib));
  r['HMAC-SHA256 1 KiB'] = measure(() => c.hmac('sha256', secret32, kib));
  r['HKDF-SHA256 (32 B out)'] = measure(() => c.hkdf('sha256', secret32, header, header, 32));
  r['X25519 key pair'] = measure(() => c.generateX25519KeyPair().privateKey.destroy());
  r['X25519 shared secret'] = measure(() => c.x25519(x.privateKey, y.publicKey));
  r['scrypt N=2^15 r=8 p=1 (vault default)'] = await measureAsync(
    () => c.scrypt('passphrase', secret32),
    QUICK ? 300 : 1500,
  );
  return r;
}

function fmt(v) {
  if (v >= 1000) return `${Math.round(v).toLocaleString('en-US')}`;
  if (v >= 10) return v.toFixed(0);
  return v.toFixed(1);
}

const started = performance.now();
console.log(
  `# @leitung/crypto benchmark — ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`,
);
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const keygenStart = performance.now();
const { privateKey } = await createCrypto({ backend: nativeBackend() }).generateRsaKeyPair();
const keygenMs = performance.now() - keygenStart;
const keyPem = { privateKeyPem: privateKey.toPkcs8Pem(), publicKeyPem: privateKey.publicKey.toPem() };
console.log(
  `one native RSA-4096 key generation: ${keygenMs.toFixed(0)} ms wall-clock (one sample; it varies widely)`,
);

// The reference: `openssl speed rsa4096` (operations per user-CPU-second) alternating with the native
// private-key operations measured the same way; three rounds, best of each.
const rsaNative = createCrypto({ backend: nativeBackend() });
const rsaKey = rsaNative.importRsaPrivateKey(keyPem.privateKeyPem);
const rsaCiphertext = rsaNative.rsaEncrypt(rsaKey.publicKey, secret32);
const seconds = QUICK ? 1 : 2;
const reference = { sign: 0, nativeSign: 0, nativeDecrypt: 0, lines: [] };
for (let round = 0; round < (QUICK ? 1 : 3); round++) {
  const run = opensslSpeed(seconds);
  if (!run) break;
  reference.lines.push(run.line);
  reference.sign = Math.max(reference.sign, run.sign);
  reference.nativeSign = Math.max(
    reference.nativeSign,
    measure(() => rsaNative.sign(rsaKey, kib), true),
  );
  reference.nativeDecrypt = Math.max(
    reference.nativeDecrypt,
    measure(() => rsaNative.rsaDecrypt(rsaKey, rsaCiphertext), true),
  );
}
for (const line of reference.lines) console.log(`openssl speed -seconds ${seconds} rsa4096: ${line}`);
if (reference.lines.length === 0) console.log('openssl not available: no reference');

const native = await benchBackend(nativeBackend(), keyPem);
const portable = await benchBackend(portableBackend(), keyPem);

console.log('');
console.log('| operation (per CPU-second) | native | portable | native ÷ portable |');
console.log('| --- | ---: | ---: | ---: |');
for (const op of Object.keys(native)) {
  const ratio = (native[op] / portable[op]).toFixed(1);
  console.log(`| ${op} | ${fmt(native[op])} | ${fmt(portable[op])} | ${ratio}× |`);
}
if (reference.lines.length > 0) {
  console.log(`| openssl speed rsa4096 sign (per user-CPU-second, best run) | ${fmt(reference.sign)} | | |`);
  console.log('');
  console.log(
    `RSA-4096 private-key operations per user-CPU-second, alternating with openssl (best of rounds): ` +
      `native sign ${fmt(reference.nativeSign)}, native OAEP decrypt ${fmt(reference.nativeDecrypt)}, ` +
      `openssl sign ${fmt(reference.sign)} → native ÷ openssl = ` +
      `${(reference.nativeSign / reference.sign).toFixed(2)} (sign), ` +
      `${(reference.nativeDecrypt / reference.sign).toFixed(2)} (decrypt)`,
  );
}
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`total bench time: ${((performance.now() - started) / 1000).toFixed(0)} s (wall-clock)`);
