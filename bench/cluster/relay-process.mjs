// One cluster relay for bench/cluster/run.mjs: the relay shell of the BUILT @leitung/relay in its own
// process, as leitung-relay runs it, but with the per-identity and per-IP call and lookup rate limits
// and the per-side media packet rate raised (every bench client dials from 127.0.0.1 many times a
// second and sends as fast as it can; the limits would measure
// themselves). argv: dataDir redisUrl clusterId members (comma-separated relay key fingerprints of the
// cluster). Prints the relay-list entry as JSON, then "ready".
import { startRelay } from '@leitung/relay';

const [dataDir, redisUrl, clusterId, members] = process.argv.slice(2);
const wide = { perSecond: 100_000, burst: 100_000 };
const relay = await startRelay({
  dataDir,
  port: 0,
  mediaPort: 0,
  cluster: { redisUrl, clusterId, members: members.split(',') },
  limits: {
    callsPerIp: wide,
    callsPerIdentity: wide,
    lookupsPerIp: wide,
    lookupsPerIdentity: wide,
    handshakesPerIp: wide,
    mediaPacketsPerSide: wide,
  },
});
console.log(JSON.stringify(relay.info()));
console.log('ready');
process.on('SIGTERM', async () => {
  await relay.close();
  process.exit(0);
});
