// Both parties of one media session on a thread of their own (test/media-worker.test.ts): they bind with the
// grant's tokens (BIND → BIND_CHALLENGE → BIND_CONFIRM → BIND_ACK), then the caller sends a DATA packet every
// 5 ms and the callee notes when each arrives. Running on its own event loop, the pair keeps sending and
// timing while the test's main thread is blocked, so the gaps it reports are the relay's. Each packet carries its
// send time (the relay forwards DATA verbatim), so the callee also reports the p99 of the one-way latency.
import { createSocket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { createCrypto } from '@leitung/crypto';
import { buildBindConfirm, buildControlPacket } from '@leitung/session';
import { decodeMediaPacket } from '@leitung/wire';

const crypto = createCrypto();
const { host, port, sessionId, tokens, sendMs } = workerData;
const sides = ['caller', 'callee'];

async function open() {
  const socket = createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

function next(socket) {
  return new Promise((resolve) => socket.once('message', (message) => resolve(message)));
}

async function establish(socket, side) {
  const token = Uint8Array.from(Buffer.from(tokens[side], 'hex'));
  const base = { token, sessionId, side: sides[side] };
  const challenge = next(socket);
  socket.send(
    buildControlPacket(crypto, { ...base, kind: 'BIND', counter: 1, nowMs: Date.now() }),
    port,
    host,
  );
  const nonce = decodeMediaPacket(await challenge).body;
  const ack = next(socket);
  socket.send(buildBindConfirm(crypto, { ...base, counter: 2, nowMs: Date.now(), nonce }), port, host);
  await ack;
}

const [caller, callee] = [await open(), await open()];
await establish(caller, 0);
await establish(callee, 1);
const arrivals = [];
const latencies = [];
callee.on('message', (message) => {
  const now = performance.now();
  arrivals.push(now);
  latencies.push(now - message.readDoubleLE(16));
});
parentPort.postMessage({ type: 'bound' });
const packet = Buffer.alloc(100, 0xa5);
packet[0] = 0x11;
packet[1] = 0;
packet.writeUInt32BE(sessionId, 2);
// `stop` ends the sending early (the crypto workers test sends until its registration flood is over).
let stopped = false;
parentPort.on('message', (message) => {
  if (message?.type === 'stop') stopped = true;
});
parentPort.unref();
const started = performance.now();
let sent = 0;
const timer = setInterval(() => {
  packet.writeDoubleLE(performance.now(), 16);
  caller.send(packet, port, host);
  sent++;
  if (stopped || performance.now() - started >= sendMs) {
    clearInterval(timer);
    setTimeout(() => {
      let gap = 0;
      for (let i = 1; i < arrivals.length; i++) gap = Math.max(gap, arrivals[i] - arrivals[i - 1]);
      latencies.sort((a, b) => a - b);
      const p99LatencyMs = latencies[Math.floor(latencies.length * 0.99)] ?? Number.POSITIVE_INFINITY;
      parentPort.postMessage({
        type: 'done',
        sent,
        received: arrivals.length,
        largestGapMs: gap,
        p99LatencyMs,
      });
      caller.close();
      callee.close();
    }, 100);
  }
}, 5);
