// Registration burst for bench/relay: COUNT real registrations (TCP connect, REGISTER → CHALLENGE → PROVE →
// WELCOME with RSA-4096 keys, registration-client.mjs) spread evenly over SECONDS, against a relay that
// carries media at the same time, so the benchmark can show what a burst does to the media latency.
//
//   node registration-burst.mjs HOST PORT FINGERPRINT COUNT SECONDS   (prints one JSON line when done)
import { createCrypto } from '@leitung/crypto';
import { registrar } from './registration-client.mjs';

const [host, port, fingerprint, count, seconds] = process.argv.slice(2);
const register = await registrar({ crypto: createCrypto(), host, port, fingerprint });

const total = Number(count);
const interval = (Number(seconds) * 1000) / total;
const start = performance.now();
const pending = [];
let failed = 0;
/** Why registrations failed: the relay's code (ERROR before WELCOME) or the local error's. */
const failures = {};
for (let i = 0; i < total; i++) {
  const due = start + i * interval;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  pending.push(
    register(i).catch((error) => {
      failed++;
      const code = error?.relayCode ?? error?.code ?? 'closed';
      failures[code] = (failures[code] ?? 0) + 1;
      return Number.NaN;
    }),
  );
}
const durations = (await Promise.all(pending)).filter(Number.isFinite).sort((a, b) => a - b);
const elapsed = (performance.now() - start) / 1000;
process.stdout.write(
  `${JSON.stringify({
    registered: durations.length,
    failed,
    failures,
    seconds: elapsed,
    p50ms: durations[Math.floor(durations.length / 2)] ?? null,
  })}\n`,
);
