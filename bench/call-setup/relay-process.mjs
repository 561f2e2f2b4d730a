// The relay of bench/call-setup as its own process (the real Node shell, startRelay from the BUILT
// @leitung/relay), so its work runs on its own core as it would in production. It reports its relay-list
// entry over IPC and stops on request.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelay } from '@leitung/relay';
import { testKeyPair } from '../../scripts/test-keys.mjs';

const dataDir = mkdtempSync(join(tmpdir(), 'leitung-bench-call-setup-relay-'));
// A cached test key saves the RSA-4096 generation (1–4 s); call setup does not depend on which key it is.
writeFileSync(join(dataDir, 'relay-key.pem'), (await testKeyPair('relay')).privateKeyPem, { mode: 0o600 });
// Calls follow each other every few tens of ms here; the default per-identity call and lookup buckets
// (1 call/s) are abuse protection, not part of call setup, so they are widened for the measurement.
const relay = await startRelay({
  dataDir,
  port: 0,
  mediaPort: 0,
  limits: {
    callsPerIdentity: { perSecond: 1000, burst: 1000 },
    callsPerIp: { perSecond: 1000, burst: 1000 },
    lookupsPerIdentity: { perSecond: 1000, burst: 1000 },
    lookupsPerIp: { perSecond: 1000, burst: 1000 },
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
