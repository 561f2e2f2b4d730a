// Registrations per second end to end (docs/benchmarks.md "Registrations per second"): real TCP handshakes with
// RSA-4096 keys from a load client (this process, registration-client.mjs) against the relay in its own process,
// closed loop with IN_FLIGHT handshakes at a time for SECONDS, once with the relay's RSA inline on its event loop and
// once on its crypto workers (docs/relay.md "Crypto workers"), next to `openssl speed rsa4096` in the same run.
//
// Each registration costs the relay one RSA-4096 private operation (the OAEP decryption of PROVE) and the client one
// (the challenge). On this 2-core machine the load client competes with the relay for the cores, so three figures
// are printed per mode: registrations/s end to end; the relay's CPU per registration (the whole process, all
// threads, from /proc/<pid>/stat) and what that gives per relay CPU second — independent of the client; and the
// client's own CPU per registration (process.cpuUsage of this process), which the end-to-end figure pays for too.
// The relay's main thread is read separately (/proc/<pid>/task/<pid>/stat): what the event loop still spends per
// registration with the RSA on the workers. Ratios are against openssl's private operations (sign/s) on one core.
// With --rounds N the modes alternate N times (inline, pool, inline, pool, …), so a change in the machine's other
// load hits both alike.
//
//   node bench/relay/registrations.mjs [--seconds 5] [--in-flight 4] [--openssl-seconds 5] [--crypto-workers 2]
//                                      [--modes inline,pool] [--rounds 1]
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { createCrypto } from '@leitung/crypto';
import { registrar } from './registration-client.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    'in-flight': { type: 'string', default: '4' },
    'openssl-seconds': { type: 'string', default: '5' },
    'crypto-workers': { type: 'string', default: '2' },
    modes: { type: 'string', default: 'inline,pool' },
    rounds: { type: 'string', default: '1' },
  },
});
const SECONDS = Number(args.seconds);
const IN_FLIGHT = Number(args['in-flight']);
const TICK_US = 10_000; // /proc/<pid>/stat counts clock ticks (CLK_TCK = 100)
const CORES = availableParallelism();

function cpuMicros(path) {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** RSA-4096 private operations per second on one core, as `openssl speed` measures them (sign/s). */
function opensslSignsPerSecond() {
  const out = execFileSync('openssl', ['speed', '-seconds', args['openssl-seconds'], 'rsa4096'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line = out.split('\n').find((l) => /^rsa\s+4096 bits/.test(l));
  if (line === undefined) throw new Error('no rsa 4096 line in openssl speed output');
  const numbers = line.trim().split(/\s+/).slice(3).map(Number);
  return numbers[2]; // columns: sign, verify, sign/s, verify/s
}

async function measure(cryptoWorkers) {
  const relay = fork(
    new URL('relay-process.mjs', import.meta.url),
    ['dgram', 'main', String(cryptoWorkers)],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // Extra V8 flags for the relay, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
      execArgv: (process.env.LEITUNG_BENCH_RELAY_NODE_ARGS ?? '').split(' ').filter(Boolean),
    },
  );
  const ready = await new Promise((resolve) => relay.on('message', (m) => m.type === 'ready' && resolve(m)));
  const register = await registrar({
    crypto: createCrypto(),
    host: ready.host,
    port: ready.port,
    fingerprint: ready.fingerprint,
  });
  // Warm-up: JIT and the relay's first handshakes, outside the window.
  for (let i = 0; i < 8; i++) await register(i);

  let done = 0;
  let failed = 0;
  let index = 0;
  const durations = [];
  const processStat = `/proc/${relay.pid}/stat`;
  const mainStat = `/proc/${relay.pid}/task/${relay.pid}/stat`;
  const relayStart = cpuMicros(processStat);
  const mainStart = cpuMicros(mainStat);
  const clientStart = process.cpuUsage();
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  async function lane() {
    while (performance.now() < deadline) {
      try {
        durations.push(await register(index++));
        done++;
      } catch {
        failed++;
      }
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const elapsed = (performance.now() - start) / 1000;
  const relayCpu = (cpuMicros(processStat) - relayStart) / 1e6;
  const mainCpu = (cpuMicros(mainStat) - mainStart) / 1e6;
  const client = process.cpuUsage(clientStart);
  const clientCpu = (client.user + client.system) / 1e6;
  relay.send({ type: 'stop' });
  await new Promise((resolve) => relay.once('exit', resolve));
  durations.sort((a, b) => a - b);
  return {
    workers: ready.cryptoWorkers,
    done,
    failed,
    elapsed,
    perSecond: done / elapsed,
    p50: durations[Math.floor(done / 2)],
    p99: durations[Math.floor(done * 0.99)],
    relayMsPer: (1000 * relayCpu) / done,
    mainMsPer: (1000 * mainCpu) / done,
    clientMsPer: (1000 * clientCpu) / done,
    relayCores: relayCpu / elapsed,
    perRelayCpuSecond: done / relayCpu,
  };
}

const loadBefore = loadAverage();
const openssl = opensslSignsPerSecond();
const rounds = Number(args.rounds);
const runs = [];
for (let round = 1; round <= rounds; round++) {
  for (const mode of args.modes.split(',')) {
    const result = await measure(mode === 'pool' ? Number(args['crypto-workers']) : 0);
    runs.push({ mode, round, label: rounds > 1 ? `${mode} ${round}` : mode, ...result });
  }
}
const loadAfter = loadAverage();

console.log(
  `RSA-4096 registrations, ${IN_FLIGHT} in flight for ${SECONDS} s per mode, ${CORES} cores ` +
    `(load average ${loadBefore} before, ${loadAfter} after)`,
);
console.log('');
const columns = runs.map((r) => (r.mode === 'pool' ? `${r.label} (${r.workers} workers)` : r.label));
console.log(`| measure | ${columns.join(' | ')} |`);
console.log(`| --- | ${runs.map(() => '---:').join(' | ')} |`);
const line = (label, value) => console.log(`| ${label} | ${runs.map(value).join(' | ')} |`);
line('registrations (failed)', (r) => `${r.done} (${r.failed})`);
line('registrations per second', (r) => r.perSecond.toFixed(1));
line('handshake p50 / p99, ms', (r) => `${r.p50?.toFixed(1)} / ${r.p99?.toFixed(1)}`);
line('relay CPU, cores busy', (r) => r.relayCores.toFixed(2));
line('relay CPU per registration, ms (all threads)', (r) => r.relayMsPer.toFixed(2));
line('relay main thread per registration, ms', (r) => r.mainMsPer.toFixed(2));
line('load client CPU per registration, ms', (r) => r.clientMsPer.toFixed(2));
line('registrations per relay CPU second', (r) => r.perRelayCpuSecond.toFixed(1));
line('registrations/s ÷ openssl sign/s (one core)', (r) => (r.perSecond / openssl).toFixed(2));
line('per relay CPU second ÷ openssl sign/s', (r) => (r.perRelayCpuSecond / openssl).toFixed(2));
line(`client + relay bound on ${CORES} cores ÷ openssl sign/s`, (r) =>
  ((CORES * 1000) / (r.relayMsPer + r.clientMsPer) / openssl).toFixed(2),
);
console.log('');
console.log(
  `openssl speed -seconds ${args['openssl-seconds']} rsa4096, sign/s (one core): ${openssl.toFixed(1)}`,
);
for (let round = 1; round <= rounds; round++) {
  const inline = runs.find((r) => r.mode === 'inline' && r.round === round);
  const pool = runs.find((r) => r.mode === 'pool' && r.round === round);
  if (inline === undefined || pool === undefined) continue;
  const prefix = rounds > 1 ? `round ${round}: ` : '';
  console.log(
    `${prefix}pool ÷ inline registrations/s ${(pool.perSecond / inline.perSecond).toFixed(2)}, ` +
      `relay main-thread ms per registration ${(pool.mainMsPer / inline.mainMsPer).toFixed(2)}, ` +
      `relay CPU ms per registration ${(pool.relayMsPer / inline.relayMsPer).toFixed(2)}`,
  );
}
