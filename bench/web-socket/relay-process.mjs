// The relay of bench/web-socket as its own process (startRelay from the BUILT @leitung/relay) with its
// WebSocket listener on, so its work runs on its own core. It reports its relay-list entry over IPC and
// stops on request.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelay } from '@leitung/relay';
import { testKeyPair } from '../../scripts/test-keys.mjs';

const dataDir = mkdtempSync(join(tmpdir(), 'leitung-bench-web-socket-relay-'));
writeFileSync(join(dataDir, 'relay-key.pem'), (await testKeyPair('relay')).privateKeyPem, { mode: 0o600 });
// Registrations and calls follow each other every few tens of ms here; the per-identity buckets are abuse
// protection, not part of what is measured, so they are widened (as in bench/call-setup).
const wide = { perSecond: 1000, burst: 1000 };
const relay = await startRelay({
  dataDir,
  port: 0,
  mediaPort: 0,
  webSocket: { port: 0 },
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
