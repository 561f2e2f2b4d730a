/**
 * The order guarantee of the Client shell (docs/client.md "Layers"): a core input returns its outputs, and
 * carrying one out may feed the core again — an event listener calling `hangUp()`, a lane report — whose
 * outputs must not overtake the ones still waiting. They queue behind them, and the loop already running
 * carries them out in turn.
 */
export class OutputQueue<T> {
  readonly #perform: (output: T) => void;
  readonly #waiting: T[] = [];
  #running = false;

  constructor(perform: (output: T) => void) {
    this.#perform = perform;
  }

  /**
   * Carries out `outputs` after those still waiting. False when a loop further up the stack is running and
   * will carry them out; true when this call ran the queue empty.
   */
  run(outputs: readonly T[]): boolean {
    this.#waiting.push(...outputs);
    if (this.#running) return false;
    this.#running = true;
    try {
      for (let output = this.#waiting.shift(); output !== undefined; output = this.#waiting.shift()) {
        this.#perform(output);
      }
    } finally {
      this.#running = false;
    }
    return true;
  }
}
