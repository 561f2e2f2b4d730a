// Relay cluster (docs/operations.md "Relay cluster"): call setups per second across relays, and media forwarding capacity, with 1, 2
// and 3 relays of one cluster on this machine.
//
//   cd packages/relay && npm run bench:cluster      (= node ../../bench/cluster/run.mjs [--seconds S])
//   (build first: npx turbo run build --filter=@leitung/relay --filter=@leitung/client)
//
// Set-up: a fresh redis-server on a free loopback port, N relay child processes (relay-process.mjs: the
// relay shell of the BUILT @leitung/relay as leitung-relay runs it, with the call and lookup rate limits
// raised so they do not cap the measurement), clients in this process (BUILT @leitung/client). With N relays
// there are N caller/callee pairs; pair i's caller is on relay i and its callee on relay i+1 (mod N), so
// with N > 1 every call crosses relays: CALL_REQUEST, INCOMING_CALL, CALL_RESPONSE and one MEDIA_GRANT go
// through Redis pub/sub, and the callee binds its media on the caller's relay.
//
// - call setups/s: every pair dials, the callee answers at once, both bind media, the caller hangs up,
//   again, for S seconds; all pairs in parallel. Each setup includes the clients' RSA work (call data
//   signature and sealing, lookups with proofs), which dominates on 2 cores.
// - forwarding: every party of an established call sends 160-byte frames as fast as the client can seal
//   them for S seconds; the relays forward; received frames per second (summed over all receivers).
//   The clients (sealing and opening, one thread) share the machine with the relays, so this is a floor
//   for the relays' capacity, and the ratio between 1, 2, 3 relays shows what one machine gives.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, MemoryStore, parseRelayEntry } from '@leitung/client';
import { createCrypto } from '@leitung/crypto';
import { testKeyPair } from '../../scripts/test-keys.mjs';

const RELAY_PROCESS = join(dirname(fileURLToPath(import.meta.url)), 'relay-process.mjs');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('--seconds', 4);
const crypto = createCrypto();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

try {
  execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
} catch {
  console.log('bench/cluster: redis-server is not installed; skipped');
  process.exit(0);
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function waitForLine(child, text, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 20_000);
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

async function startCluster(n, base) {
  const port = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  await waitForLine(redis, 'Ready to accept connections', 'redis-server');
  const relays = [];
  const keyNames = Array.from({ length: n }, (_, i) => (i === 0 ? 'relay' : `relay-${i + 1}`));
  // Every relay of the cluster is a configured member (docs/operations.md "Trust model").
  const members = [];
  for (const keyName of keyNames) members.push(crypto.fingerprint((await testKeyPair(keyName)).publicKeyPem));
  for (let i = 0; i < n; i++) {
    const dir = join(base, `relay-${n}-${i}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyName = keyNames[i];
    writeFileSync(join(dir, 'relay-key.pem'), (await testKeyPair(keyName)).privateKeyPem, { mode: 0o600 });
    const relayArgs = [RELAY_PROCESS, dir, `redis://127.0.0.1:${port}`, `bench-${n}`, members.join(',')];
    const child = spawn(process.execPath, relayArgs, {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
    });
    await waitForLine(child, 'ready', 'relay');
    relays.push({ child, entry: parseRelayEntry(JSON.parse(out.split('\n')[0])) });
  }
  return {
    relays,
    async stop() {
      await Promise.all(
        relays.map(
          ({ child }) =>
            new Promise((resolve) => {
              child.once('exit', resolve);
              child.kill('SIGTERM');
            }),
        ),
      );
      await new Promise((resolve) => {
        redis.once('exit', resolve);
        redis.kill('SIGTERM');
      });
    },
  };
}

function makeClient(identity, name, entries, preferred) {
  return new Client({
    identity,
    name,
    relays: entries,
    crypto,
    store: new MemoryStore(),
    probeIntervalMs: 0,
    probe: async (entry) => ({
      rttMs: entry.fingerprint === preferred.fingerprint ? 1 : 50,
      load: { clients: 0, calls: 0, packetsPerSecond: 0, capacity: 1_000_000 },
    }),
  });
}

async function callOnce(caller, callee, calleeName) {
  const bound = Promise.all([
    new Promise((r) => caller.once('media:bound', r)),
    new Promise((r) => callee.once('media:bound', r)),
  ]);
  callee.once('call:incoming', () => callee.answer());
  await caller.call(calleeName);
  await bound;
}

async function hangUp(caller, callee) {
  const ended = new Promise((r) => callee.once('call:ended', r));
  caller.hangUp();
  await ended;
}

async function run(n, base, keys) {
  const cluster = await startCluster(n, base);
  const entries = cluster.relays.map((r) => r.entry);
  const pairs = [];
  try {
    for (let i = 0; i < n; i++) {
      const caller = makeClient(keys[2 * i], `caller${i}`, entries, entries[i]);
      const callee = makeClient(keys[2 * i + 1], `callee${i}`, entries, entries[(i + 1) % n]);
      await caller.start();
      await callee.start();
      pairs.push({ caller, callee, calleeName: `callee${i}` });
    }
    await sleep(300);
    // Warm-up: one call per pair (JIT, first lookups).
    for (const p of pairs) {
      await callOnce(p.caller, p.callee, p.calleeName);
      await hangUp(p.caller, p.callee);
    }
    // Call setups per second.
    let setups = 0;
    const setupEnd = Date.now() + SECONDS * 1000;
    const setupStart = Date.now();
    await Promise.all(
      pairs.map(async (p) => {
        while (Date.now() < setupEnd) {
          await callOnce(p.caller, p.callee, p.calleeName);
          setups += 1;
          await hangUp(p.caller, p.callee);
        }
      }),
    );
    const setupRate = setups / ((Date.now() - setupStart) / 1000);
    // Forwarding: every party sends as fast as it can seal; count what arrives.
    for (const p of pairs) await callOnce(p.caller, p.callee, p.calleeName);
    let received = 0;
    for (const p of pairs)
      for (const c of [p.caller, p.callee])
        c.mediaTransport().onFrame(() => {
          received += 1;
        });
    const payload = new Uint8Array(160);
    let sent = 0;
    let sequence = 0;
    const fwdStart = Date.now();
    const fwdEnd = fwdStart + SECONDS * 1000;
    while (Date.now() < fwdEnd) {
      for (let burst = 0; burst < 20; burst++) {
        sequence += 1;
        for (const p of pairs) {
          if (p.caller.sendFrame({ sequence, timestamp: sequence * 960, payload })) sent += 1;
          if (p.callee.sendFrame({ sequence, timestamp: sequence * 960, payload })) sent += 1;
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    await sleep(200);
    const seconds = (fwdEnd - fwdStart) / 1000;
    return { n, setupRate, sentRate: sent / seconds, receivedRate: received / seconds };
  } finally {
    for (const p of pairs) {
      await p.caller.close();
      await p.callee.close();
    }
    await cluster.stop();
  }
}

const base = mkdtempSync(join(tmpdir(), 'leitung-bench-cluster-'));
try {
  const names = ['alice', 'bob', 'carol', 'dave', 'eve', 'frank'];
  const keys = await Promise.all(
    names.map(async (n) => crypto.importRsaPrivateKey((await testKeyPair(n)).privateKeyPem)),
  );
  console.log(
    `bench/cluster: ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ''}; ${SECONDS} s per measurement`,
  );
  const results = [];
  for (const n of [1, 2, 3]) results.push(await run(n, base, keys));
  const one = results[0];
  console.log('');
  console.log(
    'relays | pairs | cross-relay | call setups/s | x vs 1 | frames sent/s | frames forwarded+received/s | x vs 1',
  );
  console.log(
    '------ | ----- | ----------- | ------------- | ------ | ------------- | --------------------------- | ------',
  );
  for (const r of results) {
    console.log(
      `${r.n} | ${r.n} | ${r.n > 1 ? 'yes' : 'no'} | ${r.setupRate.toFixed(1)} | ${(r.setupRate / one.setupRate).toFixed(2)} | ` +
        `${Math.round(r.sentRate)} | ${Math.round(r.receivedRate)} | ${(r.receivedRate / one.receivedRate).toFixed(2)}`,
    );
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
