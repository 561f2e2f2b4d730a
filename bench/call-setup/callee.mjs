// The callee of bench/call-setup, in a worker thread (its own event loop and core, like a separate
// phonebook process, but on the same wall clock). It answers every call at once, and on the first media
// frame of each call — authenticated and decrypted by the client's media channel — decodes it with Opus
// and reports the times to the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { createOpusCodec } from '@leitung/audio';
import { decodePayload } from '@leitung/audio/core';
import { loadOpusBackend } from '@leitung/audio/node';
import { Client } from '@leitung/client';
import { createCrypto } from '@leitung/crypto';

const now = () => performance.timeOrigin + performance.now();
const crypto = createCrypto();
const codec = createOpusCodec(loadOpusBackend());
const client = new Client({
  identity: crypto.importRsaPrivateKey(workerData.privateKeyPem),
  name: workerData.name,
  relays: [workerData.relay],
  crypto,
  probeIntervalMs: 0,
});
let marks;
client.on('call:incoming', () => {
  marks = { incomingAt: now() };
  client.answer();
});
client.on('media:bound', () => {
  if (marks) marks.boundAt = now();
});
// Frames are not events: the media lane hands them to mediaTransport() listeners (docs/architecture.md).
client.mediaTransport().onFrame((frame) => {
  if (!marks || marks.firstFrameAt !== undefined) return;
  marks.firstFrameAt = now();
  const { data } = decodePayload(frame.payload);
  const decoder = codec.createDecoder();
  decoder.decode(data);
  decoder.close();
  marks.firstDecodedAt = now();
  parentPort.postMessage({ type: 'first-frame', marks });
});
client.on('call:ended', () => parentPort.postMessage({ type: 'ended' }));
parentPort.on('message', async (message) => {
  if (message.type === 'stop') {
    await client.close();
    parentPort.close();
  }
});
await client.start();
client.watchPresence(['bench-alice']);
parentPort.postMessage({ type: 'ready', clientId: client.clientId });
