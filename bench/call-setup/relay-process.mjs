// The relay of bench/call-setup and bench/web-socket as its own process (the real Node shell, startRelay from
// the BUILT @leitung/relay), so its work runs on its own core as it would in production. It reports its
// relay-list entry over IPC and stops on request. `--web-socket` also opens its WebSocket listener (port 0).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelay } from '@leitung/relay';
import { testKeyPair } from '../../scripts/test-keys.mjs';

const webSocket = process.argv.includes('--web-socket');
const dataDir = mkdtempSync(join(tmpdir(), 'leitung-bench-relay-'));
// A cached test key saves the RSA-4096 generation (1–4 s); call setup does not depend on which key it is.
writeFileSync(join(dataDir, 'relay-key.pem'), (await testKeyPair('relay')).privateKeyPem, { mode: 0o600 });
// Registrations and calls follow each other every few tens of ms here; the per-identity and per-address
// buckets are abuse protection, not part of what is measured, so they are widened for the measurement.
const wide = { perSecond: 1000, burst: 1000 };
const relay = await startRelay({
  dataDir,
  port: 0,
  mediaPort: 0,
  ...(webSocket ? { webSocket: { port: 0 } } : {}),
  limits: {
    handshakesPerIdentity: wide,
    handshakesPerIp: wide,
    callsPerIdentity: wide,
    callsPerIp: wide,
    lookupsPerIdentity: wide,
    lookupsPerIp: wide,
  },
});
const stop = () =>
  relay.close().then(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
process.on('message', (message) => {
  if (message.type === 'stop') stop();
});
process.on('disconnect', stop);
process.send({ type: 'ready', entry: relay.info() });
