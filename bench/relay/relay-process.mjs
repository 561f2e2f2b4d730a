// The Leitung relay under test for bench/relay, as its own process so its CPU time can be read from
// /proc/<pid>/stat. It runs the real shell (startRelay: UDP socket, MediaRouter, TCP listener) from the
// BUILT package. Media sessions are allocated directly in the router over IPC — the registration and
// call signalling that normally lead to a grant are covered by the test suite, not by this benchmark.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelay } from '@leitung/relay';
import { testKeyPair } from '../../scripts/test-keys.mjs';

const dataDir = mkdtempSync(join(tmpdir(), 'leitung-bench-relay-'));
// A cached test key saves the RSA-4096 generation (1–4 s); the benchmark does not depend on the key.
writeFileSync(join(dataDir, 'relay-key.pem'), (await testKeyPair('relay')).privateKeyPem, { mode: 0o600 });
// argv[2]: the media I/O path (docs/relay.md "Batched media I/O", "Native media plane"): auto (native where built),
// native, batched or dgram;
// argv[3]: where the media plane runs (docs/relay.md "Media worker"): main or worker;
// argv[4]: crypto workers for registration's RSA (docs/relay.md "Crypto workers"), 0 (inline) by default;
// argv[5]: their queue bound (`cryptoQueue`, the relay's default when absent).
const relay = await startRelay({
  dataDir,
  port: 0,
  mediaPort: 0,
  mediaIo: process.argv[2] ?? 'auto',
  mediaThread: process.argv[3] ?? 'main',
  cryptoWorkers: Number(process.argv[4] ?? '0'),
  ...(process.argv[5] === undefined ? {} : { cryptoQueue: Number(process.argv[5]) }),
  limits: {
    maxMediaSessions: 200_000,
    mediaBindTimeoutMs: 600_000,
    mediaIdleTimeoutMs: 600_000,
    mediaPacketsPerSide: { perSecond: 200, burst: 200 },
    // The registration burst (registration-burst.mjs) logs a few identities in hundreds of times.
    handshakesPerIp: { perSecond: 10_000, burst: 10_000 },
    handshakesPerIdentity: { perSecond: 10_000, burst: 10_000 },
    maxUnauthenticatedPerIp: 512,
    maxConnectionsPerIp: 1024,
  },
});
const hex = (bytes) => Buffer.from(bytes).toString('hex');
process.on('message', (message) => {
  if (message.type === 'allocate') {
    const grants = [];
    for (let i = 0; i < message.count; i++) {
      const grant = relay.core.media.allocate(`bench-${message.step}-${i}`, Date.now());
      grants.push({
        sessionId: grant.sessionId,
        callerToken: hex(grant.callerToken),
        calleeToken: hex(grant.calleeToken),
      });
    }
    process.send({ type: 'grants', grants });
  } else if (message.type === 'stats') {
    const media = relay.core.media;
    process.send({ type: 'stats', forwarded: media.forwardedPackets, drops: { ...media.drops } });
  } else if (message.type === 'stop') {
    relay.close().then(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  }
});
process.send({
  type: 'ready',
  mediaPort: relay.mediaPort,
  port: relay.port,
  fingerprint: relay.fingerprint,
  host: relay.host,
  mediaIo: relay.mediaIo,
  mediaThreadNice: relay.mediaThreadNice ?? null,
  cryptoWorkers: relay.cryptoWorkers?.workers.length ?? 0,
});
