/**
 * The media worker (docs/relay.md "Media worker"): the relay's UDP media plane on a thread of its own, with its
 * own event loop, so registrations and everything else on the control loop never delay a datagram. It holds
 * a replica {@link MediaRouter}: sessions arrive as `grant` / `revoke` messages from the relay's router (ids
 * and tokens), datagrams go through the same checks as on the main thread, and every 50 ms the worker reports
 * counters, activity and bound addresses back, which the relay's router uses for expiry and metrics.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createCrypto } from '@leitung/crypto';
import { newMediaRouter } from '../core/relay-core.js';
import type { RelayLimits } from '../limits.js';
import type { MediaSessionChange } from '../media/media-router.js';
import { openMediaSocket } from './media-socket.js';

/** What the relay passes to the worker. */
export interface MediaWorkerData {
  readonly host: string;
  readonly port: number;
  readonly io: 'auto' | 'native' | 'batched' | 'dgram';
  readonly limits: RelayLimits;
}

/** Messages from the relay to the worker. */
export type MediaWorkerCommand = MediaSessionChange | { readonly kind: 'close' };

const REPORT_INTERVAL_MS = 50;

async function run(port: NonNullable<typeof parentPort>, data: MediaWorkerData): Promise<void> {
  const router = newMediaRouter(createCrypto(), data.limits);
  const socket = await openMediaSocket(
    {
      router,
      host: data.host,
      port: data.port,
      onBinding: (binding, sessionId) => port.postMessage({ type: 'binding', binding, sessionId }),
      onError: (error) => port.postMessage({ type: 'error', message: error.message }),
    },
    data.io,
  );
  const timer = setInterval(() => {
    const report = router.takeReport(Date.now());
    if (report !== undefined) port.postMessage({ type: 'report', report });
  }, REPORT_INTERVAL_MS);
  port.on('message', (command: MediaWorkerCommand) => {
    switch (command.kind) {
      case 'grant':
        router.adopt(command, Date.now());
        break;
      case 'revoke':
        router.release(command.sessionId);
        break;
      case 'close':
        clearInterval(timer);
        socket.close().then(() => port.close());
        break;
    }
  });
  port.postMessage({ type: 'ready', port: socket.port, io: socket.io, buffers: socket.bufferSizes });
}

if (parentPort !== null) {
  const port = parentPort;
  run(port, workerData as MediaWorkerData).catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    port.postMessage({
      type: 'failed',
      message: String(error),
      code: typeof code === 'string' ? code : undefined,
    });
    port.close();
  });
}
