/**
 * The relay's side of the media worker (docs/relay.md "Media worker"): starts `media-worker.js` in a
 * worker_thread, forwards every session the relay's {@link MediaRouter} grants or frees, and adds the worker's
 * reports (counters, activity, bound addresses) to that router, which keeps deciding expiry and serving
 * metrics. To the shell it is a media socket like the others.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { RelayLimits } from '../limits.js';
import type { MediaReplicaReport, MediaRouter } from '../media/media-router.js';
import type { MediaIo, MediaTransport } from './dgram-media-socket.js';
import type { MediaWorkerData } from './media-worker.js';

type WorkerMessage =
  | {
      readonly type: 'ready';
      readonly port: number;
      readonly io: MediaIo;
      readonly buffers: { readonly receive: number; readonly send: number };
    }
  | { readonly type: 'failed'; readonly message: string; readonly code?: string }
  | { readonly type: 'report'; readonly report: MediaReplicaReport }
  | { readonly type: 'binding'; readonly binding: 'bound' | 'rebound'; readonly sessionId: number }
  | { readonly type: 'error'; readonly message: string };

/** What {@link MediaWorkerPlane.open} needs. */
export interface MediaWorkerPlaneOptions {
  readonly router: MediaRouter;
  readonly limits: RelayLimits;
  readonly host: string;
  readonly port: number;
  readonly io: 'auto' | 'native' | 'batched' | 'dgram';
  readonly onBinding?: (binding: 'bound' | 'rebound', sessionId: number) => void;
  readonly onError?: (error: Error) => void;
}

/** The built worker script (tsup entry `media-worker`), found from the package root. */
function workerScript(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@leitung/relay/package.json')), 'dist', 'media-worker.js');
}

/** The media plane on a worker thread. */
export class MediaWorkerPlane implements MediaTransport {
  readonly io: MediaIo;
  readonly port: number;
  readonly bufferSizes: { readonly receive: number; readonly send: number };
  readonly #worker: Worker;
  readonly #router: MediaRouter;
  readonly #exited: Promise<void>;
  #closing: Promise<void> | undefined;

  private constructor(worker: Worker, router: MediaRouter, ready: Extract<WorkerMessage, { type: 'ready' }>) {
    this.#worker = worker;
    this.#router = router;
    this.io = ready.io;
    this.port = ready.port;
    this.bufferSizes = ready.buffers;
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  /** Starts the worker and waits until its socket is bound; rejects with what the worker's bind threw. */
  static async open(options: MediaWorkerPlaneOptions): Promise<MediaWorkerPlane> {
    const data: MediaWorkerData = {
      host: options.host,
      port: options.port,
      io: options.io,
      limits: options.limits,
    };
    const worker = new Worker(workerScript(), { workerData: data });
    const ready = await new Promise<Extract<WorkerMessage, { type: 'ready' }>>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`the media worker exited (${code})`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (message: WorkerMessage) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (message.type === 'ready') resolve(message);
        else if (message.type === 'failed') {
          const error =
            message.code === RelayErrorCode.Unsupported
              ? new RelayError(RelayErrorCode.Unsupported, message.message)
              : Object.assign(
                  new Error(message.message),
                  message.code === undefined ? {} : { code: message.code },
                );
          reject(error);
        } else reject(new Error(`unexpected first message from the media worker: ${message.type}`));
      });
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    const plane = new MediaWorkerPlane(worker, options.router, ready);
    const router = options.router;
    // Posted synchronously from inside the router, so a grant reaches the worker before the MEDIA_GRANT that
    // names it is even written to the client's connection.
    router.observeSessions((change) => {
      worker.postMessage(change);
      // The worker holds its own copy now; this one is erased like the router's own tokens on release.
      if (change.kind === 'grant') {
        change.callerToken.fill(0);
        change.calleeToken.fill(0);
      }
    });
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'report':
          router.absorb(message.report);
          break;
        case 'binding':
          options.onBinding?.(message.binding, message.sessionId);
          break;
        case 'error':
          options.onError?.(new Error(message.message));
          break;
        case 'ready':
        case 'failed':
          break;
      }
    });
    worker.on('error', (error) => options.onError?.(error));
    return plane;
  }

  /**
   * WebSocket media legs are not carried to the worker yet (the relay refuses `mediaThread: 'worker'` with a
   * WebSocket listener), so nothing ever asks this socket to send one of theirs.
   */
  send(_bytes: Uint8Array, _port: number, _address: string): void {}

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#router.observeSessions(undefined);
      this.#worker.postMessage({ kind: 'close' });
      const timeout = setTimeout(() => void this.#worker.terminate(), 2000);
      await this.#exited;
      clearTimeout(timeout);
    })();
    return this.#closing;
  }
}
