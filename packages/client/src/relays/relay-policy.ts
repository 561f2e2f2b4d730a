/**
 * The relay policy (docs/client.md "Relays: choice, failover, resume"; docs/design.md §6): which relay to
 * register with, when to probe, how long to wait before the next attempt, when to fail over or move to a
 * clearly better relay, when `start` gives up, and where a call's media goes. Sans-I/O (docs/design.md §1):
 * no sockets, no timers; the clock comes in as `now` with every input that depends on time and the backoff
 * jitter from the injected `random`, so the tests run it on a fake clock with fixed random numbers.
 *
 * Inputs: `start`, `probed` (a probe round's outcomes), `registered`, `registrationFailed`, `closed` (the
 * control connection is gone, with its code), `keepaliveRtt`, `splitView` (by fingerprint), `tick` (a
 * deadline passed) and `stop`.
 *
 * Output style: every input returns the actions it caused, in order (relay-actions.ts); nothing is queued
 * inside. The shell executes them — opens and closes connections, runs probes, emits events — and feeds
 * back what happened. Time is an action too: `wait` names the next deadline whenever it changes, and the
 * shell then calls `tick`. The one query is `mediaTarget`: the media lane asks it per datagram.
 *
 * Ranking, smoothing and hysteresis are RelaySelector's; the reconnect delays are Backoff's.
 */
import { ClientError, ClientErrorCode } from '../errors.js';
import { Backoff } from './backoff.js';
import type { ProbeOutcome, RelayAction } from './relay-actions.js';
import { type RelayEntry, relayKey } from './relay-entry.js';
import { type RelayPolicyOptions, resolvePolicyTiming } from './relay-policy-options.js';
import { RelaySelector, type RelayStatus } from './relay-selector.js';

export type { RelayPolicyOptions } from './relay-policy-options.js';

type Phase =
  | { readonly kind: 'idle' }
  | { readonly kind: 'probing' }
  | { readonly kind: 'connecting'; readonly relay: RelayEntry }
  | { readonly kind: 'backoff'; readonly until: number }
  | { readonly kind: 'registered'; readonly relay: RelayEntry }
  | { readonly kind: 'leaving'; readonly relay: RelayEntry; readonly to: RelayEntry }
  | { readonly kind: 'stopped' };

/** Attempts until registered: the start run (limited) or a reconnect after a lost relay (unlimited). */
interface Run {
  readonly limit: number;
  attempts: number;
  lastError: Error | undefined;
  /** The relay that was left or lost: `from` of the `relay:switched` event once registered again. */
  readonly from: RelayEntry | undefined;
  readonly reason: 'failover' | 'better';
}

const sameRelay = (a: RelayEntry, b: RelayEntry): boolean => relayKey(a) === relayKey(b);

/**
 * The relay policy, sans-I/O (docs/client.md "Relays: choice, failover, resume"): which relay to register
 * with, when to probe, how long to back off, when to fail over or move to a clearly better relay, when
 * `start` gives up, and where a call's media goes. Inputs (`start`, `probed`, `registered`,
 * `registrationFailed`, `closed`, `keepaliveRtt`, `splitView`, `tick`, `stop`) return the
 * {@link RelayAction}s they cause, in order; a `wait` action names the next deadline for `tick`.
 */
export class RelayPolicy {
  /** The pinned relay list, in the order given. */
  readonly relays: readonly RelayEntry[];
  /** Ranking by smoothed RTT and load, with hysteresis. */
  readonly selector: RelaySelector;
  /** Delays between registration attempts. */
  readonly backoff: Backoff;
  /** How long a probe may take (ms), for the `probe` actions. */
  readonly probeTimeoutMs: number;
  readonly #probeIntervalMs: number;
  readonly #penaltyMs: number;
  readonly #startAttempts: number;
  #phase: Phase = { kind: 'idle' };
  #run: Run | undefined;
  /** A probe round asked for and not answered yet: the start round, or a periodic one. */
  #round: 'start' | 'periodic' | undefined;
  #nextProbeAt: number | undefined;
  /** The deadline of the last `wait` the shell was given (cleared when `tick` comes). */
  #armed: number | undefined;

  constructor(options: RelayPolicyOptions) {
    if (options.relays.length === 0) {
      throw new ClientError(ClientErrorCode.InvalidArgument, 'the relay list is empty');
    }
    this.relays = options.relays;
    this.selector = new RelaySelector(options.relays, options.selection);
    this.backoff = new Backoff({ ...options.backoff, random: options.random });
    const timing = resolvePolicyTiming(options);
    this.probeTimeoutMs = timing.probeTimeoutMs;
    this.#probeIntervalMs = timing.probeIntervalMs;
    this.#penaltyMs = timing.failurePenaltyMs;
    this.#startAttempts = timing.startAttempts;
  }

  /** What the policy is doing: `idle` before start, `stopped` after giving up or `stop`. */
  get state(): Phase['kind'] {
    return this.#phase.kind;
  }

  /** The relay registered with, if any. */
  get relay(): RelayEntry | undefined {
    return this.#phase.kind === 'registered' || this.#phase.kind === 'leaving'
      ? this.#phase.relay
      : undefined;
  }

  /** What the policy knows about each relay (RTT, load, failures, split view). */
  status(): RelayStatus[] {
    return this.selector.status();
  }

  /** Relays in the order to try them at `now`. */
  rank(now: number): RelayEntry[] {
    return this.selector.rank(now);
  }

  /**
   * Where a call's media goes: the relay a cluster's MEDIA_GRANT named by fingerprint, looked up in the
   * pinned relay list — never an address from the protocol (docs/client.md "Relay cluster") — else the
   * relay of the control connection. Undefined when the grant names a relay the list does not hold.
   */
  mediaTarget(
    grantedFingerprint: string | undefined,
    control: RelayEntry | undefined,
  ): RelayEntry | undefined {
    if (grantedFingerprint === undefined) return control;
    const key = grantedFingerprint.toLowerCase();
    return this.relays.find((r) => relayKey(r) === key);
  }

  // ─── inputs ─────────────────────────────────────────────────────────────────────────────────────────

  /** `Client.start()`: probe every relay first, then register with the best (`probed`). */
  start(): RelayAction[] {
    if (this.#phase.kind !== 'idle') return [];
    this.#phase = { kind: 'probing' };
    this.#round = 'start';
    return this.#done([this.#probeAll()]);
  }

  /**
   * The outcomes of a probe round. `idle`: no call is up and the connection is ready, so moving to a
   * clearly better relay disturbs nothing (docs/client.md: only then). Outcomes the policy did not ask
   * for are recorded and change nothing else.
   */
  probed(outcomes: readonly ProbeOutcome[], now: number, situation = { idle: true }): RelayAction[] {
    for (const o of outcomes) {
      if (o.ok) this.selector.probed(o.relay, o.result.rttMs, o.result.load);
      else this.selector.failed(o.relay, now + this.#penaltyMs);
    }
    const round = this.#round;
    this.#round = undefined;
    const actions: RelayAction[] = [];
    if (round === 'start' && this.#phase.kind === 'probing') {
      this.#run = {
        limit: this.#startAttempts,
        attempts: 0,
        lastError: undefined,
        from: undefined,
        reason: 'failover',
      };
      actions.push(this.#connect(this.rank(now)[0]!));
    } else if (round === 'periodic') {
      this.#nextProbeAt = now + this.#probeIntervalMs;
      const phase = this.#phase;
      if (phase.kind === 'registered' && situation.idle) {
        const choice = this.selector.choose(now, phase.relay);
        if (choice && !sameRelay(choice, phase.relay)) {
          this.#phase = { kind: 'leaving', relay: phase.relay, to: choice };
          actions.push({ kind: 'leave', relay: phase.relay, to: choice });
        }
      }
    }
    return this.#done(actions);
  }

  /** Registered with `relay` (`registration:complete`). */
  registered(relay: RelayEntry, now: number): RelayAction[] {
    const phase = this.#phase;
    if (phase.kind !== 'connecting' || !sameRelay(phase.relay, relay)) return [];
    this.selector.succeeded(relay);
    this.backoff.reset();
    this.#phase = { kind: 'registered', relay };
    const actions: RelayAction[] = [];
    const run = this.#run;
    this.#run = undefined;
    if (run?.from !== undefined && (!sameRelay(run.from, relay) || run.reason === 'better')) {
      actions.push({
        kind: 'event',
        event: { type: 'relay:switched', from: run.from, to: relay, reason: run.reason },
      });
    }
    if (this.#nextProbeAt === undefined && this.#round === undefined && this.#probeIntervalMs > 0) {
      this.#nextProbeAt = now + this.#probeIntervalMs;
    }
    return this.#done(actions);
  }

  /** The registration with `relay` failed (`registration:failed`, with its error). */
  registrationFailed(relay: RelayEntry, error: Error, now: number): RelayAction[] {
    const phase = this.#phase;
    if (phase.kind !== 'connecting' || !sameRelay(phase.relay, relay)) return [];
    return this.#done(this.#attemptFailed(relay, error, now));
  }

  /**
   * The control connection to `relay` is gone. During an attempt it is a failed attempt; once registered
   * the relay is lost (`relay:lost` with `code`) and the policy reconnects at once: to the next in rank
   * after marking the lost relay down (failover), or to the relay it left for (better).
   */
  closed(relay: RelayEntry, code: string, now: number): RelayAction[] {
    const phase = this.#phase;
    if (phase.kind === 'connecting' && sameRelay(phase.relay, relay)) {
      const error = new ClientError(ClientErrorCode.ConnectionClosed, 'connection closed');
      return this.#done(this.#attemptFailed(relay, error, now));
    }
    if ((phase.kind !== 'registered' && phase.kind !== 'leaving') || !sameRelay(phase.relay, relay))
      return [];
    const leaving = phase.kind === 'leaving';
    if (!leaving) this.selector.failed(relay, now + this.#penaltyMs);
    this.#run = {
      limit: Number.POSITIVE_INFINITY,
      attempts: 0,
      lastError: undefined,
      from: relay,
      reason: leaving ? 'better' : 'failover',
    };
    const next = leaving ? phase.to : this.rank(now)[0]!;
    return this.#done([{ kind: 'event', event: { type: 'relay:lost', relay, code } }, this.#connect(next)]);
  }

  /** A sealed keepalive on the registered connection took `rttMs`: one more RTT sample of that relay. */
  keepaliveRtt(relay: RelayEntry, rttMs: number): RelayAction[] {
    if (this.relay !== undefined && sameRelay(this.relay, relay)) this.selector.sampled(relay, rttMs);
    return this.#done([]);
  }

  /**
   * The relay with this fingerprint showed a tree head that contradicts an accepted one (docs/client.md
   * "Relay cluster"): ranked after every other relay from now on, and left for a usable one at the next
   * probe round if it is the current relay.
   */
  splitView(fingerprint: string): RelayAction[] {
    const key = fingerprint.toLowerCase();
    const relay = this.relays.find((r) => relayKey(r) === key);
    if (relay) this.selector.splitView(relay);
    return this.#done([]);
  }

  /** A deadline of a `wait` passed: the next attempt after a backoff, or a probe round. */
  tick(now: number): RelayAction[] {
    this.#armed = undefined;
    const actions: RelayAction[] = [];
    if (this.#phase.kind === 'backoff' && now >= this.#phase.until) {
      actions.push(this.#connect(this.rank(now)[0]!));
    }
    if (this.#nextProbeAt !== undefined && now >= this.#nextProbeAt && this.#round === undefined) {
      this.#nextProbeAt = undefined;
      this.#round = 'periodic';
      actions.push(this.#probeAll());
    }
    return this.#done(actions);
  }

  /** The Client closed, or `start` was aborted: no more actions, no deadline. */
  stop(): RelayAction[] {
    this.#halt();
    return this.#done([]);
  }

  // ─── internals ──────────────────────────────────────────────────────────────────────────────────────

  #halt(): void {
    this.#phase = { kind: 'stopped' };
    this.#run = undefined;
    this.#round = undefined;
    this.#nextProbeAt = undefined;
  }

  #connect(relay: RelayEntry): RelayAction {
    this.#phase = { kind: 'connecting', relay };
    return { kind: 'connect', relay };
  }

  #probeAll(): RelayAction {
    return { kind: 'probe', relays: this.relays, timeoutMs: this.probeTimeoutMs };
  }

  /** A failed attempt: rank the relay behind the others, then wait (backoff) or give up (start run). */
  #attemptFailed(relay: RelayEntry, error: Error, now: number): RelayAction[] {
    this.selector.failed(relay, now + this.#penaltyMs);
    const run = this.#run!;
    run.attempts += 1;
    run.lastError = error;
    if (run.attempts >= run.limit) {
      this.#halt();
      const cause = { cause: run.lastError };
      return [
        {
          kind: 'give-up',
          error: new ClientError(
            ClientErrorCode.NoRelay,
            'no relay could be reached and registered with',
            cause,
          ),
        },
      ];
    }
    this.#phase = { kind: 'backoff', until: now + this.backoff.next() };
    return [];
  }

  /** Appends a `wait` when the next deadline differs from the one the shell holds. */
  #done(actions: RelayAction[]): RelayAction[] {
    const deadlines: number[] = [];
    if (this.#phase.kind === 'backoff') deadlines.push(this.#phase.until);
    if (this.#nextProbeAt !== undefined && this.#round === undefined) deadlines.push(this.#nextProbeAt);
    const until = deadlines.length === 0 ? undefined : Math.min(...deadlines);
    if (until !== this.#armed) {
      this.#armed = until;
      actions.push({ kind: 'wait', until });
    }
    return actions;
  }
}
