/**
 * The relay's crypto workers (docs/relay.md "Crypto workers"): a few worker_threads running `crypto-worker.js`
 * that perform the RSA work of registration the core hands out as `key-operation` outputs.
 * The queue is bounded (`maxQueued` operations queued or running across the pool): beyond it an operation is
 * refused at once, so a handshake flood costs refusals, not memory. A worker that dies is replaced; the
 * operations it held are answered `RELAY_ERR_CRYPTO_WORKER_LOST` and the relay keeps serving.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RsaPrivateKey } from '@leitung/crypto';
import type { RelayKeyOperation } from '@leitung/session';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { CryptoWorkerData, CryptoWorkerMessage, CryptoWorkerRequest } from './crypto-worker.js';

/** How an operation ended: its result (undefined when it failed), or lost with its worker. */
export type CryptoResult =
  | { readonly kind: 'done'; readonly opened: Uint8Array | undefined }
  | { readonly kind: 'lost' };

/** What {@link CryptoPool.open} needs. */
export interface CryptoPoolOptions {
  /** Worker threads (≥ 1). */
  readonly size: number;
  /** Operations queued or running across the pool before new ones are refused. */
  readonly maxQueued: number;
  /** The relay's key: exported as PKCS#8 for each worker start, the exported copy transferred and wiped. */
  readonly privateKey: RsaPrivateKey;
  /** A worker died and was replaced (for the log; never carries key material). */
  readonly onWorkerLost?: (error: Error | undefined) => void;
}

/** A worker that dies this soon after its start is restarted only after this delay (no tight crash loop). */
const RESTART_BACKOFF_MS = 1000;

/** The built worker script (tsup entry `crypto-worker`), found from the package root. */
function workerScript(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@leitung/relay/package.json')), 'dist', 'crypto-worker.js');
}

interface Slot {
  worker: Worker | undefined;
  startedAt: number;
  readonly inFlight: Map<number, (result: CryptoResult) => void>;
}

/** What a relay shows of its crypto workers (docs/relay.md "Crypto workers"): counters and the running threads. */
export interface CryptoWorkers {
  /** Operations queued or running. */
  readonly pending: number;
  /** Operations a worker answered (with a result or a failure). */
  readonly completed: number;
  /** Operations refused because the queue was full or no worker ran. */
  readonly refused: number;
  /** Workers replaced after they died. */
  readonly restarts: number;
  /** The running worker threads. */
  readonly workers: readonly Worker[];
}

/** The pool of crypto workers. */
export class CryptoPool implements CryptoWorkers {
  readonly #options: CryptoPoolOptions;
  readonly #slots: Slot[] = [];
  #nextId = 1;
  #pending = 0;
  #restarts = 0;
  #refused = 0;
  #completed = 0;
  #closing: Promise<void> | undefined;

  private constructor(options: CryptoPoolOptions) {
    this.#options = options;
  }

  /** Starts `size` workers and waits until each has imported the key. */
  static async open(options: CryptoPoolOptions): Promise<CryptoPool> {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RelayError(RelayErrorCode.InvalidOption, 'cryptoWorkers must be a positive integer');
    }
    if (!Number.isInteger(options.maxQueued) || options.maxQueued < 1) {
      throw new RelayError(RelayErrorCode.InvalidOption, 'cryptoQueue must be a positive integer');
    }
    const pool = new CryptoPool(options);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < options.size; i++) {
      const slot: Slot = { worker: undefined, startedAt: 0, inFlight: new Map() };
      pool.#slots.push(slot);
      ready.push(pool.#start(slot));
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Operations queued or running. */
  get pending(): number {
    return this.#pending;
  }

  /** Operations a worker answered (with a result or a failure). */
  get completed(): number {
    return this.#completed;
  }

  /** Workers replaced after they died. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Operations refused because the queue was full or no worker ran. */
  get refused(): number {
    return this.#refused;
  }

  /** The running workers (tests stop one to check that it is replaced). */
  get workers(): readonly Worker[] {
    return this.#slots.flatMap((slot) => (slot.worker === undefined ? [] : [slot.worker]));
  }

  /**
   * Queues `operation` on the least busy worker; `done` gets its result. False (and `done` is never called) when
   * the queue is full, no worker is running or the pool is closing.
   */
  submit(operation: RelayKeyOperation, done: (result: CryptoResult) => void): boolean {
    // The challenge a seal-challenge carries is secret: wiped here once posted, or refused.
    const wipe = () => {
      if (operation.op === 'seal-challenge') operation.plaintext.fill(0);
    };
    if (this.#closing !== undefined || this.#pending >= this.#options.maxQueued) {
      this.#refused++;
      wipe();
      return false;
    }
    let best: Slot | undefined;
    for (const slot of this.#slots) {
      if (slot.worker === undefined) continue;
      if (best === undefined || slot.inFlight.size < best.inFlight.size) best = slot;
    }
    if (best?.worker === undefined) {
      this.#refused++;
      wipe();
      return false;
    }
    const id = this.#nextId++;
    this.#pending++;
    best.inFlight.set(id, done);
    const request: CryptoWorkerRequest = { id, operation };
    best.worker.postMessage(request);
    wipe();
    return true;
  }

  /** Terminates every worker; operations still queued are dropped unanswered. */
  close(): Promise<void> {
    this.#closing ??= Promise.all(
      this.#slots.map(async (slot) => {
        const worker = slot.worker;
        slot.worker = undefined;
        slot.inFlight.clear();
        if (worker !== undefined) await worker.terminate();
      }),
    ).then(() => {
      this.#pending = 0;
    });
    return this.#closing;
  }

  /** Starts the slot's worker; resolves when it has imported the key, rejects when it dies before. */
  #start(slot: Slot): Promise<void> {
    const der = this.#options.privateKey.toPkcs8Der();
    // A buffer of its own, transferred: after postMessage this thread holds no copy of the key.
    const pkcs8 = new Uint8Array(der.length);
    pkcs8.set(der);
    der.fill(0);
    const data: CryptoWorkerData = { pkcs8 };
    const worker = new Worker(workerScript(), { workerData: data, transferList: [pkcs8.buffer] });
    slot.worker = worker;
    slot.startedAt = Date.now();
    let lastError: Error | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: CryptoWorkerMessage) => {
        switch (message.type) {
          case 'ready':
            resolve();
            return;
          case 'result':
            this.#completed++;
            this.#answer(slot, message.id, { kind: 'done', opened: message.opened });
            return;
        }
      });
      worker.on('error', (error) => {
        lastError = error;
      });
      worker.once('exit', (code) => {
        reject(lastError ?? new Error(`a crypto worker exited (${code})`));
        this.#exited(slot, worker, lastError);
      });
    });
    return ready;
  }

  #answer(slot: Slot, id: number, result: CryptoResult): void {
    const done = slot.inFlight.get(id);
    if (done === undefined) {
      if (result.kind === 'done') result.opened?.fill(0);
      return;
    }
    slot.inFlight.delete(id);
    this.#pending--;
    done(result);
  }

  /** A worker stopped: unless the pool is closing, its operations are lost and a new worker takes its place. */
  #exited(slot: Slot, worker: Worker, error: Error | undefined): void {
    if (slot.worker !== worker || this.#closing !== undefined) return;
    slot.worker = undefined;
    for (const id of [...slot.inFlight.keys()]) this.#answer(slot, id, { kind: 'lost' });
    this.#restarts++;
    this.#options.onWorkerLost?.(error);
    const restart = () => {
      if (this.#closing !== undefined) return;
      // A replacement that fails to start is itself replaced through this path.
      this.#start(slot).catch(() => {});
    };
    if (Date.now() - slot.startedAt < RESTART_BACKOFF_MS) setTimeout(restart, RESTART_BACKOFF_MS).unref();
    else restart();
  }
}
