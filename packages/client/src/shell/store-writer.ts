/**
 * Writes the client's store (pins, tree heads, seen call ids) after changes, one write at a time: a change
 * during a write asks for one more write after it, so the last state always lands and writes never overlap
 * (the vault's own saves land in call order as well, docs/client.md "SecureVault").
 */
export class StoreWriter {
  readonly #persist: (() => Promise<void>) | undefined;
  readonly #onError: (error: Error) => void;
  #writing: Promise<void> | undefined;
  #again = false;

  constructor(persist: (() => Promise<void>) | undefined, onError: (error: Error) => void) {
    this.#persist = persist;
    this.#onError = onError;
  }

  /** The store changed: write it (now, or once more after the write in progress). */
  changed(): void {
    const persist = this.#persist;
    if (!persist) return;
    if (this.#writing) {
      this.#again = true;
      return;
    }
    this.#writing = (async () => {
      // The write begins once the outputs of the step that changed the store are carried out — its events
      // first. A page's vault encrypts on the main thread (~4 ms), which the login's `registration:complete`
      // and a call's next message would otherwise wait for (docs/client.md "Persistence"). Still the same
      // task: nothing from the network is handled before the write has started.
      await Promise.resolve();
      do {
        this.#again = false;
        try {
          await persist();
        } catch (error) {
          this.#onError(error instanceof Error ? error : new Error(String(error)));
        }
      } while (this.#again);
      this.#writing = undefined;
    })();
  }

  /** Settles when no write is in progress. */
  async idle(): Promise<void> {
    await this.#writing;
  }
}
