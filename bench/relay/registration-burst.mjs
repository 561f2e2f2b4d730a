// Registration burst for bench/relay: COUNT real registrations (TCP connect, REGISTER → CHALLENGE → PROVE →
// WELCOME with RSA-4096 keys, docs/session-protocol.md §1) spread evenly over SECONDS, against a relay that
// carries media at the same time, so the benchmark can show what a burst does to the media latency. The
// identities are a few cached test keys logging in again and again (each login costs the relay the same
// RSA-4096 decryption as a new binding); the bench relay raises the handshake rate limits for it.
//
//   node registration-burst.mjs HOST PORT FINGERPRINT COUNT SECONDS   (prints one JSON line when done)
import { connect } from 'node:net';
import { createCrypto } from '@leitung/crypto';
import { ClientHandshake } from '@leitung/session';
import { encodeFrame, FrameDecoder } from '@leitung/wire';
import { testKeyPair } from '../../scripts/test-keys.mjs';

const [host, port, fingerprint, count, seconds] = process.argv.slice(2);
const crypto = createCrypto();
const IDENTITIES = 4;
const keys = [];
for (let i = 0; i < IDENTITIES; i++) {
  keys.push(crypto.importRsaPrivateKey((await testKeyPair(`burst-${i}`)).privateKeyPem));
}

/** One registration; resolves with its duration (ms) or rejects. */
function register(index) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ host, port: Number(port), noDelay: true });
    const decoder = new FrameDecoder({ maxFrameSize: 1 << 24 });
    const handshake = new ClientHandshake({
      crypto,
      privateKey: keys[index % IDENTITIES],
      name: `burst ${index % IDENTITIES}`,
      pinnedRelayFingerprint: fingerprint,
    });
    let step = 0;
    socket.on('connect', () => socket.write(encodeFrame(handshake.start())));
    socket.on('data', (chunk) => {
      try {
        for (const frame of decoder.push(chunk)) {
          if (step === 0) {
            socket.write(encodeFrame(handshake.onChallenge(frame)));
            step = 1;
          } else if (step === 1) {
            handshake.onWelcome(frame);
            step = 2;
            socket.destroy();
            resolve(performance.now() - started);
          }
        }
      } catch (error) {
        socket.destroy();
        reject(error);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      if (step < 2) reject(new Error('closed before WELCOME'));
    });
  });
}

const total = Number(count);
const interval = (Number(seconds) * 1000) / total;
const start = performance.now();
const pending = [];
let failed = 0;
for (let i = 0; i < total; i++) {
  const due = start + i * interval;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  pending.push(
    register(i).catch(() => {
      failed++;
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
    seconds: elapsed,
    p50ms: durations[Math.floor(durations.length / 2)] ?? null,
  })}\n`,
);
