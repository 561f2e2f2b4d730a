// Real registrations for bench/relay (docs/session-protocol.md §1): TCP connect, REGISTER → CHALLENGE → PROVE →
// WELCOME with RSA-4096 keys, as a client does them. The identities are a few cached test keys logging in again
// and again: each login costs the relay the same RSA-4096 decryption as a new binding, and the bench relay
// raises the handshake rate limits for it (relay-process.mjs). Used by registration-burst.mjs and
// registrations.mjs.
import { connect } from 'node:net';
import { ClientHandshake } from '@leitung/session';
import { encodeFrame, FrameDecoder } from '@leitung/wire';
import { testKeyPair } from '../../scripts/test-keys.mjs';

/** Loads `identities` cached test keys and returns `register(index)`: one registration, resolving with its ms. */
export async function registrar({ crypto, host, port, fingerprint, identities = 4 }) {
  const keys = [];
  for (let i = 0; i < identities; i++) {
    keys.push(crypto.importRsaPrivateKey((await testKeyPair(`burst-${i}`)).privateKeyPem));
  }
  return (index) =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const socket = connect({ host, port: Number(port), noDelay: true });
      const decoder = new FrameDecoder({ maxFrameSize: 1 << 24 });
      const handshake = new ClientHandshake({
        crypto,
        privateKey: keys[index % identities],
        name: `burst ${index % identities}`,
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
