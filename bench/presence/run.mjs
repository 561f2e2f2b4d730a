// Presence cost per login and logout on the relay (docs/protocol.md "Presence"), in process, on the BUILT
// @leitung/relay's sans-I/O core.
//
//   node bench/presence/run.mjs [--online N] [--cycles C]     (build first: cd packages/relay && npx tsup)
//
// N other clients are online. Each is attached to the core's LocalSignalling with a delivery that does what
// the relay does for an established client: seal the message on its own sealed channel (AES-256-CBC +
// HMAC-SHA256) and queue the frame. (Each would need its own RSA-4096 identity to register for real; sealing
// is the per-recipient cost of a presence change.) Then one real client (RSA-4096 test key "alice") logs in
// and out C times through the full handshake; the relay-side time of the PROVE frame (login: RSA-OAEP
// decryption, directory, WELCOME and the presence work) and of the close (logout) is measured. Run it with
// N = 0 and N = 1000: the difference divided by N is the cost per online client. A relay that broadcasts
// presence pays it on every login and logout; one that applies the mutual-watch rule does not.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createCrypto } from '@leitung/crypto';
import { LocalKeyDirectory, LocalSignalling, RelayCore } from '@leitung/relay/core';
import { MemoryDirectoryStore } from '@leitung/relay/testing';
import { ClientHandshake, SealedChannel } from '@leitung/session';
import { testKeyPair } from '../../scripts/test-keys.mjs';

const { values } = parseArgs({
  options: { online: { type: 'string', default: '1000' }, cycles: { type: 'string', default: '30' } },
});
const online = Number(values.online);
const cycles = Number(values.cycles);
const crypto = createCrypto();
const relayKey = crypto.importRsaPrivateKey((await testKeyPair('relay')).privateKeyPem);
const alice = crypto.importRsaPrivateKey((await testKeyPair('alice')).privateKeyPem);

async function measure(n) {
  let now = 1_700_000_000_000;
  const directory = new LocalKeyDirectory({
    store: new MemoryDirectoryStore(),
    crypto,
    privateKey: relayKey,
    now: () => now,
  });
  const signalling = new LocalSignalling();
  const core = new RelayCore({
    crypto,
    privateKey: relayKey,
    directory,
    signalling,
    limits: {
      handshakesPerIp: { perSecond: 1e6, burst: 1e6 },
      handshakesPerIdentity: { perSecond: 1e6, burst: 1e6 },
    },
  });
  const frames = [];
  for (let i = 0; i < n; i++) {
    const keys = { enc: crypto.randomBytes(32), mac: crypto.randomBytes(32) };
    const channel = new SealedChannel(crypto, keys, keys);
    signalling.attach(Buffer.from(crypto.randomBytes(32)).toString('hex'), (message) =>
      frames.push(channel.seal(message)),
    );
  }
  const login = [];
  const logout = [];
  for (let cycle = 0; cycle < cycles + 3; cycle++) {
    now += 1000;
    const connId = cycle + 1;
    core.connectionOpened(connId, '192.0.2.1', now);
    const handshake = new ClientHandshake({
      crypto,
      privateKey: alice,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
    });
    const challenge = core.frameReceived(connId, handshake.start(), now).find((o) => o.kind === 'send');
    const prove = handshake.onChallenge(challenge.payload);
    let t = performance.now();
    const welcome = core.frameReceived(connId, prove, now).find((o) => o.kind === 'send');
    const loginMs = performance.now() - t;
    handshake.onWelcome(welcome.payload);
    t = performance.now();
    core.connectionClosed(connId, now);
    const logoutMs = performance.now() - t;
    // The first cycles warm up the JIT (and the first one registers the name).
    if (cycle >= 3) {
      login.push(loginMs);
      logout.push(logoutMs);
    }
    frames.length = 0;
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { loginUs: median(login) * 1000, logoutUs: median(logout) * 1000 };
}

const base = await measure(0);
const loaded = await measure(online);
const perClient = (a, b) => ((b - a) / Math.max(1, online)).toFixed(2);
console.log(`online clients      login µs (median)   logout µs (median)`);
console.log(
  `0                   ${base.loginUs.toFixed(0).padStart(8)}            ${base.logoutUs.toFixed(0).padStart(8)}`,
);
console.log(
  `${String(online).padEnd(20)}${loaded.loginUs.toFixed(0).padStart(8)}            ${loaded.logoutUs.toFixed(0).padStart(8)}`,
);
console.log(
  `per online client   ${perClient(base.loginUs, loaded.loginUs).padStart(8)}            ${perClient(base.logoutUs, loaded.logoutUs).padStart(8)}`,
);
