/**
 * The outputs of one input to the sans-I/O core (docs/design.md §1): every module of the core appends to
 * the same outbox while it handles an input, and the input returns them in the order they were produced —
 * a `send` before the `close` that follows it, an event after the state change it reports.
 */
import type { RelayEvent, RelayOutput } from './outputs.js';

export class Outbox {
  #outputs: RelayOutput[] = [];

  push(output: RelayOutput): void {
    this.#outputs.push(output);
  }

  emit(event: RelayEvent): void {
    this.#outputs.push({ kind: 'event', event });
  }

  /** Runs one input and hands back what it produced; the outbox is empty again afterwards. */
  run(input: () => void): RelayOutput[] {
    input();
    const outputs = this.#outputs;
    this.#outputs = [];
    return outputs;
  }
}
