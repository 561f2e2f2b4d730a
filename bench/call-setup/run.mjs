// Call-setup time (docs/design.md §9): from dial to the first decoded audio frame at the callee, with
// auto-answer, on loopback. Target ≤ 25 ms.
//
//   cd examples/phonebook && npm run bench      (= node ../../bench/call-setup/run.mjs [--calls N])
//   (build first: npx turbo run build --filter=@leitung/example-phonebook...)
//
// Three parties as in a real call, each with its own event loop: the relay in a child process (the real
// Node shell from the BUILT @leitung/relay), the caller in this thread, the callee in a worker thread
// (both the BUILT @leitung/client and @leitung/audio). A thread shares the wall clock with the main
// thread, so "dial" (caller) and "first frame decoded" (callee) are on one time line.
//
// What one call does on the critical path: the caller looks the callee up (GET_PUBLIC_KEY; inclusion proof
// and tree-head signature checked, key pinned), signs (RSA-PSS) and seals (RSA-OAEP) the call data; the
// relay forwards it; the callee opens it (RSA-OAEP decrypt), looks the caller up and checks the signature,
// answers at once with its X25519 share; the caller checks the key confirmation; both bind their media
// (UDP BIND with the relay's token); the caller's send stream sends its first Opus frame as soon as it is
// bound (then every 20 ms, as the phonebook does); the callee authenticates, decrypts and decodes it.
// Frames sent before the callee's BIND is acknowledged are dropped by the relay (nobody to forward to),
// so the first frame that arrives may be the second one, 20 ms later: that is part of the measurement.
//
// Each call is measured from a warm client (the first WARMUP calls are not counted: JIT and wasm
// compilation belong to program start, not to call setup); the breakdown shows the median time of each
// step from the dial.
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AudioSender, createOpusCodec, createSweepSource } from '@leitung/audio';
import { loadOpusBackend } from '@leitung/audio/node';
import { Client } from '@leitung/client';
import { createCrypto } from '@leitung/crypto';
import { testKeyPair } from '../../scripts/test-keys.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const CALLS = arg('--calls', 20);
const WARMUP = arg('--warmup', 3);
// --prepare MS: the caller says the call is coming (`prepareCall`, docs/client.md "Offers prepared before
// the dial") MS ms before each dial, as a phonebook does when the user selects the contact; with --press
// the key lookup goes out then too (`{lookup: true}`, a call button held down). 0 (default) = not at all.
const PREPARE_MS = arg('--prepare', 0);
const PRESS = process.argv.includes('--press');
const TARGET_MS = 25;
const now = () => performance.timeOrigin + performance.now();
const here = new URL('.', import.meta.url);

const relayProcess = fork(new URL('relay-process.mjs', here), {
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
let worker;
let caller;
const cleanup = async () => {
  await caller?.close().catch(() => undefined);
  if (worker) {
    worker.postMessage({ type: 'stop' });
    await new Promise((resolve) => {
      worker.once('exit', resolve);
      setTimeout(() => worker.terminate().then(resolve), 2000).unref();
    });
  }
  if (relayProcess.connected) relayProcess.send({ type: 'stop' });
  await new Promise((resolve) =>
    relayProcess.exitCode !== null ? resolve() : relayProcess.once('exit', resolve),
  );
};
process.once('SIGINT', () => cleanup().then(() => process.exit(130)));

try {
  const relay = await new Promise((resolve, reject) => {
    relayProcess.once('message', (m) => resolve(m.entry));
    relayProcess.once('exit', (code) => reject(new Error(`relay exited (${code})`)));
  });
  const [aliceKey, bobKey] = await Promise.all([testKeyPair('bench-alice'), testKeyPair('bench-bob')]);

  worker = new Worker(new URL('callee.mjs', here), {
    workerData: { privateKeyPem: bobKey.privateKeyPem, name: 'bench-bob', relay },
  });
  const fromWorker = [];
  const waiters = [];
  worker.on('message', (m) => {
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
    else fromWorker.push(m);
  });
  worker.on('error', (e) => {
    for (const w of waiters) w.reject(e);
  });
  const next = (type, timeoutMs = 10_000) => {
    const i = fromWorker.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(fromWorker.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for the callee's ${type}`)),
        timeoutMs,
      );
      waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject,
      });
    });
  };
  await next('ready', 30_000);

  const crypto = createCrypto();
  caller = new Client({
    identity: crypto.importRsaPrivateKey(aliceKey.privateKeyPem),
    name: 'bench-alice',
    relays: [relay],
    crypto,
    probeIntervalMs: 0,
  });
  await caller.start();
  // A relay shows a contact online only to a client it watches back (docs/client.md "Presence").
  caller.watchPresence(['bench-bob']);
  await until(() => caller.contacts.some((c) => c.name === 'bench-bob' && c.online), 10_000);

  const codec = createOpusCodec(loadOpusBackend());
  const source = createSweepSource({ fromHz: 200, toHz: 4000, durationMs: 60_000, amplitude: 0.3 });
  const results = [];
  let cold;
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const r = await oneCall(caller, codec, source, next);
    if (i === 0) cold = r;
    if (i >= WARMUP) results.push(r);
    await sleep(30);
  }
  report(results, cold);
} finally {
  await cleanup();
}

async function oneCall(client, codec, source, next) {
  if (PREPARE_MS > 0) {
    client.prepareCall('bench-bob', { lookup: PRESS });
    await sleep(PREPARE_MS);
  }
  const t = { dial: now() };
  const sender = new AudioSender({ codec });
  let timer;
  const send = async () => {
    const frame = sender.encode(await source.read());
    if (frame) client.sendFrame(frame);
  };
  const on = (event, fn) => {
    client.on(event, fn);
    return () => client.off(event, fn);
  };
  const offs = [
    on('contact:verified', () => {
      t.verified ??= now();
    }),
    on('call:outgoing', () => {
      t.ringing ??= now();
    }),
    on('media:bound', () => {
      t.callerBound ??= now();
      // The phonebook's send stream starts on media:bound: first frame at once, then one per 20 ms.
      send();
      timer = setInterval(send, 20);
    }),
  ];
  const firstFrame = next('first-frame');
  // Observed below once the call is up; a timeout before that must not be an unhandled rejection.
  firstFrame.catch(() => undefined);
  await client.call('bench-bob');
  t.accepted = now();
  const { marks } = await firstFrame;
  clearInterval(timer);
  for (const off of offs) off();
  client.hangUp();
  await next('ended');
  sender.close();
  await until(() => client.callState === 'idle' || client.callState === 'ended', 5_000);
  return {
    setup: marks.firstDecodedAt - t.dial,
    steps: {
      'caller: callee looked up and verified': t.verified - t.dial,
      'caller: offer sent (ringing)': t.ringing - t.dial,
      'callee: offer opened and checked (incoming)': marks.incomingAt - t.dial,
      'caller: answer and key confirmation checked': t.accepted - t.dial,
      'caller: media bound': t.callerBound - t.dial,
      'callee: media bound': marks.boundAt - t.dial,
      'callee: first frame authenticated + decrypted': marks.firstFrameAt - t.dial,
      'callee: first frame decoded (= call setup)': marks.firstDecodedAt - t.dial,
    },
  };
}

function report(results, cold) {
  const setups = results.map((r) => r.setup).sort((a, b) => a - b);
  console.log(`call setup: dial → first decoded audio frame at the callee (auto-answer, loopback)`);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; ${results.length} calls after ${WARMUP} warm-up calls\n`,
  );
  console.log(
    `  median ${q(setups, 0.5).toFixed(1)} ms   p95 ${q(setups, 0.95).toFixed(1)} ms   ` +
      `min ${setups[0].toFixed(1)} ms   max ${setups.at(-1).toFixed(1)} ms   target ≤ ${TARGET_MS} ms ` +
      `(median ${(q(setups, 0.5) / TARGET_MS).toFixed(2)}× the target)\n`,
  );
  console.log(`  first call after start-up (cold code paths, not counted): ${cold.setup.toFixed(1)} ms\n`);
  console.log('  step (median time from dial)                         ms');
  for (const name of Object.keys(results[0].steps)) {
    const values = results.map((r) => r.steps[name]).sort((a, b) => a - b);
    // With --press the lookup is answered before the dial: no step after it.
    const shown = Number.isNaN(q(values, 0.5)) ? 'before the dial' : q(values, 0.5).toFixed(1).padStart(6);
    console.log(`  ${name.padEnd(50)} ${shown}`);
  }
}

function q(sorted, p) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i];
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(test, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}
