/**
 * A crypto worker (docs/relay.md "Crypto workers"): runs the RSA work of registration — opening REGISTER_SEALED,
 * checking the client's key and sealing the challenge to it, decrypting PROVE — on a thread of its own, so a burst of handshakes does not hold
 * the relay's event loop. The relay's key arrives once, as PKCS#8 DER in a transferred buffer that is wiped
 * as soon as it is imported; it is never logged or sent back. Every request is answered with the result, or
 * with `opened: undefined` when the operation failed (no detail: one answer for every failure, docs/lessons.md #5).
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createCrypto } from '@leitung/crypto';
import { type RelayKeyOperation, runRelayKeyOperation } from '@leitung/session';

/** What the relay passes to the worker: the relay key's PKCS#8 DER (the buffer is transferred, then wiped). */
export interface CryptoWorkerData {
  readonly pkcs8: Uint8Array;
}

/** A request from the relay. */
export interface CryptoWorkerRequest {
  readonly id: number;
  readonly operation: RelayKeyOperation;
}

/** What the worker posts: `ready` once the key is imported, then one `result` per request. */
export type CryptoWorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly opened: Uint8Array | undefined };

/**
 * The worker's nice value (docs/relay.md "Crypto workers"): when RSA work and the relay's own loop (media, control)
 * want the same core, the loop wins, so a handshake flood cannot starve media; an idle core still goes to the RSA.
 */
const CRYPTO_WORKER_NICE = 10;

function run(port: NonNullable<typeof parentPort>, data: CryptoWorkerData): void {
  try {
    // On Linux, pid 0 is the calling thread only: this worker, not the relay's main thread.
    setPriority(0, CRYPTO_WORKER_NICE);
  } catch {
    // Not permitted or not supported here: the worker runs at the relay's priority.
  }
  const crypto = createCrypto();
  let privateKey: ReturnType<typeof crypto.importRsaPrivateKey>;
  try {
    privateKey = crypto.importRsaPrivateKey(data.pkcs8);
  } finally {
    data.pkcs8.fill(0);
  }
  port.on('message', (request: CryptoWorkerRequest) => {
    const operation = request.operation;
    let opened: Uint8Array<ArrayBuffer> | undefined;
    try {
      const plaintext = runRelayKeyOperation(crypto, privateKey, operation);
      // A buffer of its own to transfer: the plaintext is not copied again and not left behind here.
      opened = new Uint8Array(plaintext.length);
      opened.set(plaintext);
      plaintext.fill(0);
    } catch {
      opened = undefined;
    } finally {
      // The challenge a seal-challenge carries is secret.
      if (operation.op === 'seal-challenge') operation.plaintext.fill(0);
    }
    const message: CryptoWorkerMessage = { type: 'result', id: request.id, opened };
    port.postMessage(message, opened === undefined ? [] : [opened.buffer]);
  });
  const ready: CryptoWorkerMessage = { type: 'ready' };
  port.postMessage(ready);
}

if (parentPort !== null) run(parentPort, workerData as CryptoWorkerData);
