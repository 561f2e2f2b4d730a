/**
 * Rate-limited logging of refusals (docs/relay.md "Events and logs"): a flood of refused connections or
 * requests must not flood the log. Per refusal kind (its error code) at most `linesPerInterval` lines are
 * written per `intervalMs`; the rest are counted, with the distinct addresses they came from, and
 * summarised in one line when the interval ends (or the relay stops): "N more refusals of kind X from M
 * addresses in the last T s". Metrics still count every refusal (`leitung_relay_rejections_total`).
 */
import type { Logger } from 'pino';
import type { RelayEvent } from '../core/outputs.js';
import { RelayError, RelayErrorCode } from '../errors.js';

/**
 * How refusals are logged (docs/relay.md "Events and logs"): per refusal kind at most `linesPerInterval` lines
 * per `intervalMs`, the rest counted and summarised in one line. Set through `startRelay({ refusalLog })`.
 */
export interface RefusalLogOptions {
  /** Lines written per refusal kind and interval before refusals are only counted. Default 5. */
  readonly linesPerInterval: number;
  /** The interval (ms). Default 60 000. */
  readonly intervalMs: number;
}

/** The default refusal logging: 5 lines per kind and minute. */
export const DEFAULT_REFUSAL_LOG: RefusalLogOptions = Object.freeze({
  linesPerInterval: 5,
  intervalMs: 60_000,
});

/** Distinct addresses remembered per kind and interval; beyond it the summary says "at least". */
const MAX_TRACKED_ADDRESSES = 4096;

type RefusedEvent = Extract<RelayEvent, { type: 'request:refused' }>;

interface KindWindow {
  readonly start: number;
  logged: number;
  suppressed: number;
  readonly addresses: Set<string>;
}

export class RefusalLog {
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #options: RefusalLogOptions;
  readonly #windows = new Map<string, KindWindow>();
  #timer: NodeJS.Timeout | undefined;

  constructor(logger: Logger, now: () => number, options: Partial<RefusalLogOptions> = {}) {
    this.#logger = logger;
    this.#now = now;
    this.#options = { ...DEFAULT_REFUSAL_LOG, ...options };
    const { linesPerInterval, intervalMs } = this.#options;
    if (
      !Number.isSafeInteger(linesPerInterval) ||
      linesPerInterval < 0 ||
      !(intervalMs >= 1 && intervalMs < 2 ** 31)
    ) {
      throw new RelayError(
        RelayErrorCode.InvalidOption,
        'refusalLog needs linesPerInterval ≥ 0 (an integer) and 1 ≤ intervalMs < 2^31',
      );
    }
  }

  record(event: RefusedEvent): void {
    const now = this.#now();
    let window = this.#windows.get(event.code);
    if (window !== undefined && now - window.start >= this.#options.intervalMs) {
      this.#summarise(event.code, window, now);
      window = undefined;
    }
    if (window === undefined) {
      window = { start: now, logged: 0, suppressed: 0, addresses: new Set() };
      this.#windows.set(event.code, window);
    }
    if (window.logged < this.#options.linesPerInterval) {
      window.logged++;
      this.#logger.info(event, event.type);
      return;
    }
    window.suppressed++;
    if (window.addresses.size < MAX_TRACKED_ADDRESSES) window.addresses.add(event.remoteIp);
    this.#arm();
  }

  /** Writes the summaries of the kinds whose interval ended (every kind when `all`, at shutdown). */
  flush(all = false): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = this.#now();
    for (const [kind, window] of [...this.#windows]) {
      if (all || now - window.start >= this.#options.intervalMs) this.#summarise(kind, window, now);
    }
    this.#arm();
  }

  /** The relay stops: every pending summary is written, the timer cleared. */
  close(): void {
    this.flush(true);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #summarise(kind: string, window: KindWindow, now: number): void {
    this.#windows.delete(kind);
    if (window.suppressed === 0) return;
    const seconds = Math.max(1, Math.round((now - window.start) / 1000));
    const atLeast = window.addresses.size >= MAX_TRACKED_ADDRESSES ? 'at least ' : '';
    this.#logger.warn(
      {
        kind,
        refusals: window.suppressed,
        addresses: window.addresses.size,
        seconds,
      },
      `${window.suppressed} more refusals of kind ${kind} from ${atLeast}${window.addresses.size} addresses in the last ${seconds} s`,
    );
  }

  /** One timer for all kinds: the earliest window end, so a summary is never held back by silence. */
  #arm(): void {
    if (this.#timer !== undefined) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const window of this.#windows.values()) {
      if (window.suppressed > 0) earliest = Math.min(earliest, window.start + this.#options.intervalMs);
    }
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.flush();
      },
      Math.max(0, earliest - this.#now()),
    );
    this.#timer.unref();
  }
}
