import { defineConfig, mergeConfig } from 'vitest/config';
import { shared } from '../../vitest.shared.js';

/** The test files that move real media datagrams through the relay's UDP socket. */
const MEDIA_FILES = ['test/media-io.test.ts', 'test/calls-media.test.ts', 'test/media-bind-attacks.test.ts'];
/** Registration over real sockets: run once more with the RSA decryptions on crypto workers (docs/relay.md). */
const REGISTRATION_FILES = [
  'test/registration.test.ts',
  'test/handshake-binding.test.ts',
  'test/handshake-slots.test.ts',
  'test/web-socket.test.ts',
];
/** WebSocket media legs meet UDP sides in the relay's own router: both I/O paths, not the worker (docs/relay.md). */
const WEB_SOCKET_FILES = ['test/web-socket.test.ts'];

// Every test on the default media path (the native plane where the addon was built at install), and the media
// files once more on the addon's batched path on the event loop and on the node:dgram fallback (docs/relay.md
// "Batched media I/O", "Native media plane") and on the media worker thread (docs/relay.md "Media worker"): every
// path passes the same tests.
// The projects copy the shared per-file settings instead of extending the root, because extending would
// concatenate the `include` lists and run every file twice.
const base = shared.test ?? {};
const perProject = {
  environment: base.environment ?? 'node',
  testTimeout: base.testTimeout ?? 30_000,
  hookTimeout: base.hookTimeout ?? 60_000,
};

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      projects: [
        { test: { ...perProject, name: 'relay', include: base.include ?? ['test/**/*.test.ts'] } },
        {
          test: {
            ...perProject,
            name: 'relay-media-batched',
            include: [...MEDIA_FILES, ...WEB_SOCKET_FILES],
            env: { LEITUNG_RELAY_MEDIA_IO: 'batched' },
          },
        },
        {
          test: {
            ...perProject,
            name: 'relay-media-dgram',
            include: [...MEDIA_FILES, ...WEB_SOCKET_FILES],
            env: { LEITUNG_RELAY_MEDIA_IO: 'dgram' },
          },
        },
        {
          test: {
            ...perProject,
            name: 'relay-media-worker',
            include: MEDIA_FILES,
            env: { LEITUNG_RELAY_MEDIA_THREAD: 'worker' },
          },
        },
        {
          test: {
            ...perProject,
            name: 'relay-crypto-workers',
            include: REGISTRATION_FILES,
            env: { LEITUNG_RELAY_CRYPTO_WORKERS: '2' },
          },
        },
      ],
    },
  }),
);
