// Registrations per second end to end (docs/benchmarks.md "Registrations per second"): real TCP handshakes with
// RSA-4096 keys from a load client (this process, registration-client.mjs) against the relay in its own process,
// closed loop with IN_FLIGHT handshakes at a time for SECONDS, next to `openssl speed rsa4096` in the same run.
// Each registration costs the relay one RSA-4096 private operation (the OAEP decryption of PROVE) and the client
// one (the challenge), so on 2 cores relay and client each get about one. Printed: registrations/s, the relay's
// CPU seconds per registration (from /proc/<pid>/stat), and both against openssl's private operations per second
// on one core (RSA-4096 sign/s; the relay runs its handshakes on one thread).
//
//   node bench/relay/registrations.mjs [--seconds 5] [--in-flight 4] [--openssl-seconds 3]
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createCrypto } from '@leitung/crypto';
import { registrar } from './registration-client.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    'in-flight': { type: 'string', default: '4' },
    'openssl-seconds': { type: 'string', default: '3' },
  },
});
const SECONDS = Number(args.seconds);
const IN_FLIGHT = Number(args['in-flight']);
const TICK_US = 10_000; // /proc/<pid>/stat counts clock ticks (CLK_TCK = 100)

function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

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

const openssl = opensslSignsPerSecond();
const relay = fork(new URL('relay-process.mjs', import.meta.url), ['dgram', 'main'], {
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
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
const cpuStart = cpuMicros(relay.pid);
const start = performance.now();
const deadline = start + SECONDS * 1000;
async function worker() {
  while (performance.now() < deadline) {
    try {
      durations.push(await register(index++));
      done++;
    } catch {
      failed++;
    }
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
const elapsed = (performance.now() - start) / 1000;
const relayCpu = (cpuMicros(relay.pid) - cpuStart) / 1e6;
relay.send({ type: 'stop' });

durations.sort((a, b) => a - b);
const perSecond = done / elapsed;
const perRelayCpuSecond = done / relayCpu;
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(
  `RSA-4096 registrations, ${IN_FLIGHT} in flight for ${elapsed.toFixed(1)} s (load average ${load})`,
);
console.log('');
console.log('| measure | value |');
console.log('| --- | --- |');
console.log(`| registrations | ${done} (${failed} failed) |`);
console.log(`| registrations per second | ${perSecond.toFixed(1)} |`);
console.log(
  `| handshake p50 / p99 | ${durations[Math.floor(done / 2)]?.toFixed(1)} / ${durations[Math.floor(done * 0.99)]?.toFixed(1)} ms |`,
);
console.log(
  `| relay CPU | ${((100 * relayCpu) / elapsed).toFixed(0)} % of a core, ${((1000 * relayCpu) / done).toFixed(2)} ms per registration |`,
);
console.log(`| registrations per relay CPU second | ${perRelayCpuSecond.toFixed(1)} |`);
console.log(`| openssl speed rsa4096, sign/s (one core) | ${openssl.toFixed(1)} |`);
console.log('');
console.log(`registrations/s ÷ openssl sign/s:                  ${(perSecond / openssl).toFixed(2)}`);
console.log(
  `registrations per relay CPU second ÷ openssl sign/s: ${(perRelayCpuSecond / openssl).toFixed(2)}`,
);
