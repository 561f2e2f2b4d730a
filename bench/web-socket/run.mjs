// TCP + UDP against WebSocket, side by side in one run (docs/benchmarks.md "WebSocket transport"):
//
//   node bench/web-socket/run.mjs [--rounds N]
//   (build first: npx turbo run build --filter=@leitung/client... --filter=@leitung/relay)
//
// The relay runs in a child process (the real Node shell from the BUILT @leitung/relay, with its WebSocket
// listener); the clients run in this process (the BUILT @leitung/client; `ws` as Node 20's WebSocket).
// Rounds alternate the transports, so a slower moment of the shared machine hits both alike.
//
// - registration: `client.start()` to `registration:complete` — probe (PING/PONG), REGISTER, CHALLENGE
//   (RSA-OAEP to the client), PROVE (RSA-OAEP decrypt, key confirmation), WELCOME with proofs checked.
//   The identity is already bound, so this is a login, what every app start does.
// - call setup: `caller.call(callee)` to both sides' `media:bound` — lookup with proofs, signed and sealed
//   call data, auto-answer, key confirmation, both media lanes bound (BIND, BIND_CHALLENGE, BIND_CONFIRM,
//   BIND_ACK). The callee is on TCP + UDP in both cases; the caller on TCP + UDP or on WebSockets.
//   Caller and callee share this event loop, so the figure includes both sides' work, as on one machine.
// - a third caller, "page": WebSockets with the portable crypto backend (node-forge + noble + BigInt RSA,
//   the configuration a browser page runs), still under Node: the cost of the page's crypto without the
//   browser.
// - a fourth, "page + WebCrypto key": as "page", with the identity held by WebCrypto, non-extractable
//   (`webCryptoIdentity`, docs/client.md "Identity held elsewhere") — what the web phonebook runs.

import { fork } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { Client, createWebSocketTransport } from '@leitung/client';
import { webCryptoIdentity } from '@leitung/client/browser';
import { createCrypto, portableBackend } from '@leitung/crypto';
import WebSocket from 'ws';
import { testKeyPair } from '../../scripts/test-keys.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('--rounds', 10);
const crypto = createCrypto();
const portable = createCrypto({ backend: portableBackend() });
const here = new URL('.', import.meta.url);
const webSockets = createWebSocketTransport({ WebSocket });
const KINDS = ['tcp', 'websocket', 'page', 'held'];
const TRANSPORTS = { tcp: undefined, websocket: webSockets, page: webSockets, held: webSockets };

const relayProcess = fork(new URL('../call-setup/relay-process.mjs', here), ['--web-socket'], {
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
const entry = await new Promise((resolve) =>
  relayProcess.on('message', (message) => message.type === 'ready' && resolve(message.entry)),
);
const [aliceKey, bobKey] = await Promise.all(
  ['alice', 'bob'].map(async (name) => crypto.importRsaPrivateKey((await testKeyPair(name)).privateKeyPem)),
);
const alicePortableKey = portable.importRsaPrivateKey((await testKeyPair('alice')).privateKeyPem);
const alicePkcs8 = new Uint8Array(
  createPrivateKey((await testKeyPair('alice')).privateKeyPem).export({ format: 'der', type: 'pkcs8' }),
);
const aliceHeld = await webCryptoIdentity(portable, alicePkcs8);
const aliceAs = (kind) => {
  if (kind === 'page') return { identity: alicePortableKey, crypto: portable, transport: webSockets };
  if (kind === 'held') return { identity: aliceHeld, crypto: portable, transport: webSockets };
  return { identity: aliceKey, crypto, transport: TRANSPORTS[kind] };
};

const open = [];
function client(identity, name, transport, clientCrypto = crypto) {
  const c = new Client({
    identity,
    name,
    relays: [entry],
    crypto: clientCrypto,
    probeIntervalMs: 0,
    ...(transport === undefined ? {} : { transport }),
  });
  open.push(c);
  return c;
}
const once = (emitter, event) => new Promise((resolve) => emitter.once(event, resolve));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const registration = { tcp: [], websocket: [], page: [], held: [] };
const callSetup = { tcp: [], websocket: [], page: [], held: [] };
const aliceClient = (kind) => {
  const { identity, crypto: clientCrypto, transport } = aliceAs(kind);
  return client(identity, 'alice', transport, clientCrypto);
};
try {
  // The callee: on TCP + UDP, answers every call at once.
  const bob = client(bobKey, 'bob', undefined);
  bob.on('call:incoming', () => bob.answer());
  bob.watchPresence(['alice']);
  await bob.start();
  // A first login of each kind outside the figures: JIT, first-time binding of alice's name.
  for (const kind of KINDS) {
    const warm = aliceClient(kind);
    await warm.start();
    await warm.close();
  }
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round, so a slower moment of the shared machine hits every kind alike.
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[(k + round) % KINDS.length];
      const alice = aliceClient(kind);
      alice.watchPresence(['bob']);
      let t = performance.now();
      await alice.start();
      registration[kind].push(performance.now() - t);
      const bound = [once(alice, 'media:bound'), once(bob, 'media:bound')];
      t = performance.now();
      await alice.call('bob');
      await Promise.all(bound);
      callSetup[kind].push(performance.now() - t);
      const ended = once(bob, 'call:ended');
      alice.hangUp();
      await ended;
      await alice.close();
    }
  }
} finally {
  await Promise.all(open.map((c) => c.close().catch(() => undefined)));
  relayProcess.send({ type: 'stop' });
}

const row = (what, figures) => {
  const tcp = median(figures.tcp);
  const cells = KINDS.map((kind) => median(figures[kind]).toFixed(1).padStart(9));
  const ratios = KINDS.slice(1).map((kind) => (median(figures[kind]) / tcp).toFixed(2).padStart(6));
  return `| ${what.padEnd(36)} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`;
};
console.log(`\n${ROUNDS} rounds per caller kind, medians (ms), loopback, relay in a child process\n`);
console.log(
  '| measure                              |   TCP+UDP | WebSocket | WS + portable | WS + portable + WebCrypto key | ws/tcp | portable/tcp | WebCrypto key/tcp |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
console.log(row('registration (login)', registration));
console.log(row('call setup (dial → both media bound)', callSetup));
