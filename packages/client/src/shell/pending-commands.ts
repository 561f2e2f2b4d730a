/**
 * The Client's commands in flight: each core command that settles later takes a handle numbered here, and
 * the core's `result` output carrying that handle settles the promise the caller holds (docs/client.md
 * "Layers"). An AbortSignal drops the command and runs its undo
 * (e.g. an aborted call hangs up). `start()` waits here too, under {@link START_HANDLE}, settled by the first
 * registration or by the relay policy giving up.
 */
import type { CommandResult } from '../core/core-outputs.js';
import { ClientError, ClientErrorCode } from '../errors.js';

/** The handle of `start()`: core commands count from 1. */
export const START_HANDLE = 0;

export class PendingCommands {
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = START_HANDLE + 1;

  /** A fresh handle for a core command (never START_HANDLE). */
  nextHandle(): number {
    const handle = this.#next;
    this.#next += 1;
    return handle;
  }

  /** The promise of command `handle`; on abort, `onAbort` runs and the promise rejects CLIENT_ERR_ABORTED. */
  wait<T>(handle: number, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const abort = () => {
        if (!this.#pending.delete(handle)) return;
        onAbort();
        reject(aborted());
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.#pending.set(handle, {
        resolve: (value) => {
          signal?.removeEventListener('abort', abort);
          resolve(value as T);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', abort);
          reject(error);
        },
      });
    });
  }

  settle(handle: number, result: CommandResult): void {
    if (result.ok) this.resolve(handle, result.value);
    else this.reject(handle, result.error);
  }

  resolve(handle: number, value: unknown): void {
    const command = this.#pending.get(handle);
    this.#pending.delete(handle);
    command?.resolve(value);
  }

  reject(handle: number, error: Error): void {
    const command = this.#pending.get(handle);
    this.#pending.delete(handle);
    command?.reject(error);
  }

  /** The client closed: every command still waiting fails with CLIENT_ERR_CONNECTION_CLOSED. */
  closeAll(): void {
    for (const { reject } of this.#pending.values()) {
      reject(new ClientError(ClientErrorCode.ConnectionClosed, 'client closed'));
    }
    this.#pending.clear();
  }
}

export function aborted(): ClientError {
  return new ClientError(ClientErrorCode.Aborted, 'aborted');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw aborted();
}
