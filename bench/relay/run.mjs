// Media forwarding benchmark (docs/design.md §9): N concurrent calls, 50 packets/s each way,
// 172-byte packets, for rising N, through
//   - the Leitung relay (the real shell of the BUILT @leitung/relay, in its own process), on its native media
//     plane (DATA on the addon's media thread, the default), on the addon's batched path on the event loop and
//     on the node:dgram fallback,
//   - a bare C forwarder (recvfrom/sendto, no checks; compiled at bench time) — the plain ceiling,
//   - a batched bare C forwarder (recvmmsg/sendmmsg, 64 per call, no checks) — the machine's limit,
//   - a bare Node dgram forwarder (no checks) — Node's own floor,
//   - coturn 4.6 (Debian `turnserver`), driven by `turnutils_uclient -y` at the same size and rate,
// and, as the latency baseline, the same load sent directly socket to socket.
// Reported per step: offered and forwarded packets/s, loss, one-way latency p50/p99 and what the
// forwarder adds to the direct path, and the forwarder's CPU time per forwarded packet (µs, from
// /proc/<pid>/stat utime+stime over the measuring window). On a 2-core machine the load generator
// competes for CPU, so CPU per packet at a fixed offered load is the fair figure.
//
//   cd packages/relay && npx tsup && npm run bench          (= node ../../bench/relay/run.mjs)
//   node bench/relay/run.mjs --calls 50,150,300,500 --seconds 3 [--only direct,bare-c,bare-c-mmsg,bare-node,leitung,leitung-burst,pool-burst,leitung-batched,batched-burst,batched-pool-burst,leitung-worker,worker-burst,worker-pool-burst,leitung-dgram,coturn] [--burst 200] [--crypto-workers 2] [--crypto-queue 512]
import { execFileSync, fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCrypto } from '@leitung/crypto';
import { buildControlPacket } from '@leitung/session';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '50,150,300,500' },
    seconds: { type: 'string', default: '3' },
    only: { type: 'string' },
    burst: { type: 'string', default: '200' },
    'crypto-workers': { type: 'string', default: '2' },
    // Above the burst, so the pool rows compare serving the same 200 handshakes, not the queue bound.
    'crypto-queue': { type: 'string', default: '512' },
    // The burst's load client stands for clients on other machines; on this 2-core box its own RSA competes with
    // the forwarder and the load generator. A positive nice value lowers it (documented with each run).
    'burst-nice': { type: 'string', default: '0' },
    // The load generator is also the clock every latency is read from; a negative nice value (root) keeps the
    // instrument from being the one that waits for a CPU (documented with each run).
    'generator-nice': { type: 'string', default: '0' },
  },
});
const STEPS = args.calls.split(',').map(Number);
const WINDOW_S = Number(args.seconds);
const WARMUP_S = 1;
const PACKET_BYTES = 172;
const PPS = 50;
const PERIOD_MS = 1000 / PPS;
const SOCKETS_PER_SIDE = 16;
const TICK_US = 10_000; // /proc/<pid>/stat counts clock ticks (CLK_TCK = 100)
const crypto = createCrypto();
const only = args.only?.split(',');
const wanted = (name) => only === undefined || only.includes(name);

// ---------- helpers ----------

function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US; // utime, stime (fields 14, 15)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function header(type, side, sessionId, sequence) {
  const bytes = Buffer.alloc(14);
  bytes[0] = 0x10 | type;
  bytes[1] = side;
  bytes.writeUInt32BE(sessionId, 2);
  bytes.writeUInt32BE(sequence >>> 0, 6);
  return bytes;
}

// ---------- the load generator (C, compiled at bench time; shared by direct, bare and Leitung runs) ----------

const scratch = mkdtempSync(join(tmpdir(), 'leitung-bench-relay-'));

function compile(name) {
  const binary = join(scratch, name);
  // The load generator answers BIND_CHALLENGEs with HMAC-SHA256 (libcrypto); the bare forwarder needs nothing.
  const libraries = name === 'load-generator' ? ['-lcrypto'] : [];
  execFileSync('cc', ['-O2', '-o', binary, join(HERE, `${name}.c`), ...libraries], { stdio: 'inherit' });
  return binary;
}

let generatorBinary;

/**
 * Runs one step: calls[i] = {sessionId, binds?: [callerBind, calleeBind], tokens?: [callerHex, calleeHex]}
 * (the tokens answer the relay's BIND_CHALLENGE, docs/session-protocol.md §4.2). Call i uses caller socket
 * i % 16 and callee socket 16 + i % 16 of the generator. `target` undefined = direct (no forwarder).
 */
async function drive({ calls, target, pid, expectAcks = false }) {
  const lines = [];
  calls.forEach((call, i) => {
    const callerSocket = i % SOCKETS_PER_SIDE;
    const calleeSocket = SOCKETS_PER_SIDE + (i % SOCKETS_PER_SIDE);
    for (const side of [0, 1]) {
      const bind = call.binds?.[side];
      const token = call.tokens?.[side];
      const own = side === 0 ? callerSocket : calleeSocket;
      const peer = side === 0 ? calleeSocket : callerSocket;
      lines.push(
        `${own} ${peer} ${call.sessionId} ${side} ${bind ? Buffer.from(bind).toString('hex') : '-'} ${token ?? '-'}`,
      );
    }
  });
  const file = join(scratch, 'load.conf');
  const head = [
    target?.address ?? '127.0.0.1',
    target?.port ?? 0,
    PPS,
    PACKET_BYTES,
    WARMUP_S * 1000,
    WINDOW_S * 1000,
    SOCKETS_PER_SIDE,
    pid ?? 0,
    expectAcks ? 1 : 0,
    lines.length,
  ];
  writeFileSync(file, `${head.join(' ')}\n${lines.join('\n')}\n`);
  const output = await new Promise((resolve, reject) => {
    const child = spawn(generatorBinary, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    if (Number(args['generator-nice']) !== 0) setPriority(child.pid, Number(args['generator-nice']));
    started.push(child);
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += String(chunk);
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`load generator exited ${code}`)),
    );
  });
  const r = JSON.parse(output);
  if (expectAcks && r.acks < r.binds) throw new Error(`only ${r.acks}/${r.binds} BINDs acknowledged`);
  return {
    offered: r.sent / r.seconds,
    forwarded: r.received / r.seconds,
    loss: r.sent === 0 ? 0 : Math.max(0, 1 - r.received / r.sent),
    p50: r.p50us,
    p99: r.p99us,
    cpuPerPacket: pid ? r.cpuUs / Math.max(1, r.received) : Number.NaN,
    cpuShare: pid ? r.cpuUs / 1e6 / r.seconds : Number.NaN,
    generatorShare: r.generatorCpuS / r.seconds,
  };
}

// ---------- forwarders ----------

async function direct(n) {
  return drive({ calls: Array.from({ length: n }, (_, i) => ({ sessionId: i + 1 })) });
}

/** Every process the bench starts, killed on exit whatever happens. */
const started = [];
process.on('exit', () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
});

async function startProcess(command, commandArgs) {
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim())));
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
  });
  return { child, port };
}

function bareRunner(child, port) {
  let base = 1;
  return async (n) => {
    const calls = Array.from({ length: n }, (_, i) => {
      const sessionId = base + i;
      return { sessionId, binds: [header(2, 0, sessionId, 1), header(2, 1, sessionId, 1)].map(withTag) };
    });
    base += n;
    return drive({ calls, target: { address: '127.0.0.1', port }, pid: child.pid });
  };
}

/** A BIND-shaped packet (header + 16-byte tag) for the bare forwarders, which check nothing. */
function withTag(head) {
  return Buffer.concat([head, Buffer.alloc(16)]);
}

/**
 * Runs registration-burst.mjs against the relay's control port: BURST registrations (RSA-4096, real TCP
 * handshakes) over 2 s, starting 0.5 s into the measuring window, while the media load runs.
 */
async function registrationBurst(ready) {
  await sleep((WARMUP_S + 0.5) * 1000);
  const child = spawn(
    process.execPath,
    [
      join(HERE, 'registration-burst.mjs'),
      ready.host,
      String(ready.port),
      ready.fingerprint,
      args.burst,
      '2',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (Number(args['burst-nice']) !== 0) setPriority(child.pid, Number(args['burst-nice']));
  started.push(child);
  let text = '';
  child.stdout.on('data', (chunk) => {
    text += String(chunk);
  });
  await new Promise((resolve) => child.once('exit', resolve));
  return JSON.parse(text);
}

/** The rows of `run` (one per step) while the burst registers at a Leitung relay beside it that carries no media. */
async function besideBurst(name, run) {
  const registrar = await leitung('native');
  for (const n of STEPS) {
    const [result, registrations] = await Promise.all([run(n), registrationBurst(registrar.ready)]);
    result.note = burstNote(registrations);
    row(name, n, result);
  }
  await registrar.stop();
}

/** One line on a burst's registrations for a row's note. */
function burstNote(registrations) {
  const failures = Object.entries(registrations.failures)
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
  return `${registrations.registered} registrations in ${registrations.seconds.toFixed(1)} s, ${registrations.failed} failed${
    registrations.failed > 0 ? ` (${failures})` : ''
  }, p50 ${registrations.p50ms?.toFixed(0)} ms`;
}

async function leitung(mediaIo, { burst = false, thread = 'main', cryptoWorkers = 0 } = {}) {
  const child = fork(
    join(HERE, 'relay-process.mjs'),
    [mediaIo, thread, String(cryptoWorkers), args['crypto-queue']],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // The flag the leitung-relay program runs with (examples/relay/src/main.mjs explains it); override
      // with LEITUNG_BENCH_RELAY_NODE_ARGS (e.g. "" for Node's defaults) to compare.
      execArgv: (process.env.LEITUNG_BENCH_RELAY_NODE_ARGS ?? '--max-semi-space-size=1')
        .split(' ')
        .filter(Boolean),
    },
  );
  started.push(child);
  const ask = (message, type) =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`the relay process exited (${code})`));
      const onMessage = (reply) => {
        if (reply.type === type) {
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(reply);
        }
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (message) child.send(message);
    });
  const ready = await ask(undefined, 'ready');
  if (ready.mediaIo !== mediaIo) throw new Error(`the relay runs ${ready.mediaIo} media I/O, not ${mediaIo}`);
  const to = { address: ready.host, port: ready.mediaPort };
  let step = 0;
  const run = async (n) => {
    const { grants } = await ask({ type: 'allocate', count: n, step: step++ }, 'grants');
    const calls = grants.map((g) => ({
      sessionId: g.sessionId,
      tokens: [g.callerToken, g.calleeToken],
      binds: [g.callerToken, g.calleeToken].map((token, side) =>
        buildControlPacket(crypto, {
          kind: 'BIND',
          token: Buffer.from(token, 'hex'),
          sessionId: g.sessionId,
          side: side === 0 ? 'caller' : 'callee',
          counter: 1,
          nowMs: Date.now(),
        }),
      ),
    }));
    const [result, registrations] = await Promise.all([
      drive({ calls, target: to, pid: child.pid, expectAcks: true }),
      burst ? registrationBurst(ready) : undefined,
    ]);
    const stats = await ask({ type: 'stats' }, 'stats');
    const drops = Object.entries(stats.drops).filter(([, count]) => count > 0);
    const notes = [];
    if (ready.mediaThreadNice !== null && ready.mediaThreadNice !== undefined)
      notes.push(`media thread nice ${ready.mediaThreadNice}`);
    if (registrations) notes.push(burstNote(registrations));
    if (drops.length > 0)
      notes.push(`relay drops: ${drops.map(([reason, c]) => `${reason} ${c}`).join(', ')}`);
    if (notes.length > 0) result.note = notes.join('; ');
    return result;
  };
  const stop = async () => {
    child.send({ type: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
  };
  return { run, stop, ready };
}

async function coturnAvailable() {
  try {
    execFileSync('turnserver', ['--version'], { stdio: 'ignore' });
    execFileSync('which', ['turnutils_uclient'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * coturn relays client-to-client: each of the 2N uclient clients (-y) has its own allocation and sends
 * 50 packets/s (-z 20) of 172 bytes (-l 172) to its partner's relayed address, so every packet crosses
 * turnserver twice (client → allocation A → allocation B → client) — that is how TURN relays between two
 * clients. uclient allocates its clients one after another (~0.1 s each), so the 2N clients are split over
 * parallel uclient processes of 50. Each prints running totals once a second; turnserver's CPU is read
 * at every such line, and the figures are taken between the moments 10 % and 90 % of all packets had been
 * sent (the steady middle; uclient ramps up and down).
 */
async function coturn() {
  const dir = mkdtempSync(join(tmpdir(), 'leitung-bench-coturn-'));
  const port = 30000 + Math.floor(Math.random() * 20000);
  const server = spawn(
    'turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--allow-loopback-peers',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--lt-cred-mech',
      '--user=u:p',
      '--realm=r',
      `--pidfile=${join(dir, 'pid')}`,
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: 'ignore' },
  );
  started.push(server);
  await sleep(1000);
  const CLIENTS_PER_PROCESS = 50;
  const run = async (n) => {
    const messages = PPS * (WINDOW_S + 2);
    const totals = [];
    const records = [];
    const rtts = [];
    const processes = [];
    for (let clients = 2 * n, index = 0; clients > 0; clients -= CLIENTS_PER_PROCESS, index++) {
      const m = Math.min(CLIENTS_PER_PROCESS, clients);
      totals.push({ sent: 0, received: 0, clients: m });
      const client = spawn('turnutils_uclient', [
        '-y',
        '-c',
        '-m',
        String(m),
        '-n',
        String(messages),
        '-l',
        String(PACKET_BYTES),
        '-z',
        String(PERIOD_MS),
        '-u',
        'u',
        '-w',
        'p',
        '-p',
        String(port),
        '127.0.0.1',
      ]);
      started.push(client);
      let text = '';
      client.stdout.on('data', (chunk) => {
        text += String(chunk);
        let newline = text.indexOf('\n');
        while (newline >= 0) {
          const line = text.slice(0, newline);
          text = text.slice(newline + 1);
          const counts = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/.exec(line);
          if (counts) {
            totals[index].sent = Number(counts[1]);
            totals[index].received = Number(counts[2]);
            records.push({
              t: performance.now(),
              cpu: cpuMicros(server.pid),
              sent: totals.reduce((sum, x) => sum + x.sent, 0),
              received: totals.reduce((sum, x) => sum + x.received, 0),
            });
          }
          const delay = /Average round trip delay ([\d.]+) ms/.exec(line);
          if (delay) rtts.push({ ms: Number(delay[1]), weight: m });
          newline = text.indexOf('\n');
        }
      });
      client.stderr.resume();
      processes.push(new Promise((resolve) => client.once('exit', resolve)));
    }
    await Promise.all(processes);
    const total = 2 * n * messages;
    const from = records.find((r) => r.sent >= 0.1 * total);
    const to = records.findLast((r) => r.sent <= 0.9 * total);
    if (from === undefined || to === undefined || to.t <= from.t) return undefined;
    const seconds = (to.t - from.t) / 1000;
    const forwarded = to.received - from.received;
    const final = records.at(-1);
    const weight = rtts.reduce((sum, r) => sum + r.weight, 0);
    return {
      offered: (to.sent - from.sent) / seconds,
      forwarded: forwarded / seconds,
      loss: final ? Math.max(0, 1 - final.received / final.sent) : Number.NaN,
      rttMs: rtts.reduce((sum, r) => sum + r.ms * r.weight, 0) / Math.max(1, weight),
      cpuPerPacket: (to.cpu - from.cpu) / Math.max(1, forwarded),
      cpuShare: (to.cpu - from.cpu) / 1e6 / seconds,
    };
  };
  const stop = async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  };
  return { run, stop };
}

// ---------- main ----------

const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const results = {};

function row(name, n, r) {
  results[name] ??= {};
  results[name][n] = r;
  const latency = Number.isFinite(r.p50)
    ? `${fmt(r.p50, 0).padStart(6)} ${fmt(r.p99, 0).padStart(7)}`
    : `  rtt ${fmt(r.rttMs, 2)} ms`.padEnd(14);
  const base = results.direct?.[n];
  const added =
    base && Number.isFinite(r.p50) && name !== 'direct'
      ? `${fmt(r.p50 - base.p50, 0).padStart(6)} ${fmt(r.p99 - base.p99, 0).padStart(7)}`
      : '     —       —';
  console.log(
    `${name.padEnd(17)} ${String(n).padStart(5)} ${fmt(r.offered, 0).padStart(9)} ${fmt(r.forwarded, 0).padStart(9)} ${fmt(r.loss * 100, 2).padStart(7)} ${latency} ${added} ${fmt(r.cpuPerPacket, 2).padStart(8)} ${fmt(r.cpuShare * 100, 0).padStart(5)}${r.note ? `  (${r.note})` : ''}`,
  );
}

console.log(
  `bench/relay: ${PACKET_BYTES}-byte packets, ${PPS} packets/s per direction per call, ${WARMUP_S} s warm-up + ${WINDOW_S} s window per step`,
);
console.log(
  `node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log('');
console.log(
  'forwarder         calls   offered  forwarded  loss%  p50µs   p99µs  +p50µs  +p99µs  cpuµs/pkt  cpu%',
);

try {
  generatorBinary = compile('load-generator');
} catch {
  console.error('bench/relay needs a C compiler (cc) for its load generator and bare forwarder; none found.');
  process.exit(1);
}
if (wanted('direct')) for (const n of STEPS) row('direct', n, await direct(n));
// The direct path while the burst registers at a Leitung relay beside it: the instrument's own latency under the
// burst's CPU load, the floor of every burst row's p99 on this machine.
if (wanted('direct-burst')) await besideBurst('direct-burst', direct);

if (wanted('bare-c')) {
  const { child, port } = await startProcess(compile('bare-forwarder'), ['0']);
  const run = bareRunner(child, port);
  for (const n of STEPS) row('bare-c', n, await run(n));
  child.kill();
}
if (wanted('bare-c-mmsg')) {
  const { child, port } = await startProcess(compile('bare-forwarder-batched'), ['0']);
  const run = bareRunner(child, port);
  for (const n of STEPS) row('bare-c-mmsg', n, await run(n));
  child.kill();
}
// The batched bare forwarder carrying the media while the burst registers at a Leitung relay beside it (which
// carries no media): what the burst's CPU alone does to the latency on this machine, the floor for the burst rows.
if (wanted('bare-burst')) {
  const { child, port } = await startProcess(compile('bare-forwarder-batched'), ['0']);
  await besideBurst('bare-burst', bareRunner(child, port));
  child.kill();
}
if (wanted('bare-node')) {
  // Same V8 flag as the relay process (see leitung() below), so the two differ only in their code.
  const { child, port } = await startProcess(process.execPath, [
    '--max-semi-space-size=1',
    join(HERE, 'bare-forwarder.mjs'),
    '0',
  ]);
  const run = bareRunner(child, port);
  for (const n of STEPS) row('bare-node', n, await run(n));
  child.kill();
}

// leitung: the native media plane (the default: DATA on the addon's media thread, docs/relay.md "Native media
// plane"); leitung-batched: the addon on the event loop (recvmmsg/sendmmsg, every datagram through the router);
// leitung-dgram (below): the node:dgram fallback.
for (const [name, io] of [
  ['leitung', 'native'],
  ['leitung-batched', 'batched'],
]) {
  if (wanted(name)) {
    const relay = await leitung(io);
    for (const n of STEPS) row(name, n, await relay.run(n));
    await relay.stop();
  }
}
// The same relays while BURST registrations (real RSA-4096 handshakes over TCP) arrive within 2 s of the window,
// inline and with the registration RSA on crypto workers (docs/relay.md "Crypto workers").
for (const [name, io, cryptoWorkers] of [
  ['leitung-burst', 'native', 0],
  ['pool-burst', 'native', Number(args['crypto-workers'])],
  ['batched-burst', 'batched', 0],
  ['batched-pool-burst', 'batched', Number(args['crypto-workers'])],
]) {
  if (wanted(name)) {
    const relay = await leitung(io, { burst: true, cryptoWorkers });
    for (const n of STEPS) row(name, n, await relay.run(n));
    await relay.stop();
  }
}
// The same with the media plane on a worker thread (docs/relay.md "Media worker"), without and with the burst.
if (wanted('leitung-worker')) {
  const relay = await leitung('batched', { thread: 'worker' });
  for (const n of STEPS) row('leitung-worker', n, await relay.run(n));
  await relay.stop();
}
if (wanted('worker-burst')) {
  const relay = await leitung('batched', { thread: 'worker', burst: true });
  for (const n of STEPS) row('worker-burst', n, await relay.run(n));
  await relay.stop();
}
// Media worker and crypto workers together, during the burst.
if (wanted('worker-pool-burst')) {
  const relay = await leitung('batched', {
    thread: 'worker',
    burst: true,
    cryptoWorkers: Number(args['crypto-workers']),
  });
  for (const n of STEPS) row('worker-pool-burst', n, await relay.run(n));
  await relay.stop();
}
if (wanted('leitung-dgram')) {
  const relay = await leitung('dgram');
  for (const n of STEPS) row('leitung-dgram', n, await relay.run(n));
  await relay.stop();
}

if (wanted('coturn')) {
  if (await coturnAvailable()) {
    const server = await coturn();
    for (const n of STEPS) {
      const r = await server.run(n);
      if (r) row('coturn', n, { ...r, p50: Number.NaN, p99: Number.NaN });
    }
    await server.stop();
  } else {
    console.warn('bench/relay: turnserver / turnutils_uclient not installed; skipping coturn');
  }
}

rmSync(scratch, { recursive: true, force: true });

console.log('');
console.log('ratios (CPU µs per forwarded packet, same run):');
for (const n of STEPS) {
  const l = results.leitung?.[n];
  if (!l) continue;
  const parts = [];
  for (const other of [
    'coturn',
    'bare-c',
    'bare-c-mmsg',
    'bare-node',
    'leitung-batched',
    'leitung-dgram',
    'leitung-worker',
  ]) {
    const o = results[other]?.[n];
    if (o && Number.isFinite(o.cpuPerPacket) && o.cpuPerPacket > 0) {
      parts.push(`leitung/${other} ${fmt(l.cpuPerPacket / o.cpuPerPacket, 2)}`);
    }
  }
  console.log(`  ${String(n).padStart(5)} calls: ${parts.join(', ')}`);
}
