// A flood of real registrations on a thread of its own (test/crypto-workers.test.ts): COUNT handshakes over TCP
// (REGISTER → CHALLENGE → PROVE → WELCOME with RSA-4096 test keys), IN_FLIGHT at a time, so the client's own RSA
// work does not run on the event loop of the relay under test. Posts `done` with how many completed and the
// relay's refusal codes of the others. With `nice` the thread runs at that lower priority: when it is the load and
// not what is measured, its RSA work must not take the CPU from the media peers that time the relay.
import { connect } from 'node:net';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createCrypto } from '@leitung/crypto';
import { ClientHandshake, SessionError } from '@leitung/session';
import { encodeFrame, FrameDecoder } from '@leitung/wire';
import { testKeyPair } from '../../../../scripts/test-keys.mjs';

const { host, port, fingerprint, count, inFlight, identities, nice } = workerData;
// On Linux, pid 0 is this thread only.
if (nice !== undefined) setPriority(0, nice);
const crypto = createCrypto();
const keys = [];
for (let i = 0; i < identities; i++) {
  keys.push(crypto.importRsaPrivateKey((await testKeyPair(`burst-${i}`)).privateKeyPem));
}

function register(index) {
  return new Promise((resolve) => {
    const socket = connect({ host, port, noDelay: true });
    const decoder = new FrameDecoder({ maxFrameSize: 1 << 24 });
    const handshake = new ClientHandshake({
      crypto,
      privateKey: keys[index % identities],
      name: `flood ${index % identities}`,
      pinnedRelayFingerprint: fingerprint,
    });
    let step = 0;
    const finish = (outcome) => {
      if (step === 2) return;
      step = 2;
      socket.destroy();
      resolve(outcome);
    };
    socket.on('connect', () => socket.write(encodeFrame(handshake.start())));
    socket.on('data', (chunk) => {
      try {
        for (const frame of decoder.push(chunk)) {
          if (step === 0) {
            socket.write(encodeFrame(handshake.onChallenge(frame)));
            step = 1;
          } else if (step === 1) {
            handshake.onWelcome(frame);
            finish('ok');
          }
        }
      } catch (error) {
        finish(error instanceof SessionError ? (error.relayCode ?? error.code) : String(error));
      }
    });
    socket.on('error', () => finish('socket-error'));
    socket.on('close', () => finish('closed'));
  });
}

const outcomes = [];
let next = 0;
async function lane() {
  while (next < count) outcomes.push(await register(next++));
}
await Promise.all(Array.from({ length: inFlight }, lane));
const registered = outcomes.filter((outcome) => outcome === 'ok').length;
parentPort.postMessage({
  type: 'done',
  registered,
  refusals: outcomes.filter((outcome) => outcome !== 'ok'),
});
