/**
 * RFC 3550 §6.4.1 interarrival jitter: the mean deviation of the difference in packet spacing at the
 * receiver compared to the sender, smoothed with gain 1/16 (J += (|D| − J) / 16), here in milliseconds.
 */
import { SAMPLES_PER_MS } from './audio-format.js';

/**
 * The RFC 3550 §6.4.1 interarrival jitter estimator, in ms: feed it each packet's arrival time and media
 * timestamp with `update`, read the smoothed estimate from `valueMs`. The jitter buffer keeps one and reports
 * it as `interarrivalJitterMs`; use it directly to measure a stream you play out yourself.
 */
export class InterarrivalJitter {
  #jitterMs = 0;
  #lastTransitMs: number | undefined;

  /** `timestamp` is the unwrapped media timestamp in 48 kHz samples; `arrivalMs` the receive time. */
  update(arrivalMs: number, timestamp: number): void {
    const transit = arrivalMs - timestamp / SAMPLES_PER_MS;
    if (this.#lastTransitMs !== undefined) {
      const d = Math.abs(transit - this.#lastTransitMs);
      this.#jitterMs += (d - this.#jitterMs) / 16;
    }
    this.#lastTransitMs = transit;
  }

  get valueMs(): number {
    return this.#jitterMs;
  }

  /** Forgets the last transit (after a timestamp discontinuity) but keeps the estimate. */
  restart(): void {
    this.#lastTransitMs = undefined;
  }
}
