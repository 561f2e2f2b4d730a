/**
 * Registration budgets (docs/relay.md "Registration budgets"): how many NEW name bindings one source
 * network and the relay as a whole may create over time. Logins of an existing binding cost nothing.
 * Budgets are charged only when a binding is committed (after PROVE's key confirmation verified), so
 * unauthenticated REGISTERs with made-up keys cannot drain them; they are checked (without charging) at
 * REGISTER too, so an exhausted budget is refused before any RSA work.
 */
import { RelayError, RelayErrorCode } from '../errors.js';
import type { BucketLimit } from '../limits.js';
import { KeyedRateLimiter, TokenBucket } from './token-bucket.js';

export interface RegistrationBudgetLimits {
  readonly newNamesPerAddress: BucketLimit;
  readonly newNamesGlobal: BucketLimit;
  readonly maxBucketKeys: number;
}

export class RegistrationBudget {
  readonly #perAddress: KeyedRateLimiter;
  readonly #global: TokenBucket;

  constructor(limits: RegistrationBudgetLimits, now: number) {
    this.#perAddress = new KeyedRateLimiter(limits.newNamesPerAddress, limits.maxBucketKeys);
    this.#global = new TokenBucket(limits.newNamesGlobal, now);
  }

  /** Milliseconds until a new binding from `remoteIp` would be accepted; 0 = now. Charges nothing. */
  waitMs(remoteIp: string, now: number): number {
    return Math.max(this.#perAddress.waitMs(budgetKey(remoteIp), now), this.#global.waitMs(now));
  }

  /** Charges one new binding to `remoteIp`'s network and the relay; false (nothing charged) if either is empty. */
  take(remoteIp: string, now: number): boolean {
    if (this.waitMs(remoteIp, now) > 0) return false;
    return this.#perAddress.take(budgetKey(remoteIp), now) && this.#global.take(now);
  }

  /**
   * Throws RELAY_ERR_REGISTRATION_BUDGET with a retry hint when a new binding from `remoteIp` is over
   * budget. `charge` takes the token too (at commit); without it nothing is charged (at REGISTER).
   */
  check(remoteIp: string, now: number, charge: boolean): void {
    const waitMs = this.waitMs(remoteIp, now);
    if (waitMs > 0 || (charge && !this.take(remoteIp, now))) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new RelayError(RelayErrorCode.RegistrationBudget, `too many new names; retry after ${seconds} s`);
    }
  }
}

/**
 * The network a budget is kept for: an IPv4 address (/32; IPv4-mapped IPv6 counts as IPv4) or the /64 of
 * an IPv6 address, the smallest prefix a single subscriber is usually given (RFC 6177), so rotating the
 * interface id does not buy new budget.
 */
export function budgetKey(remoteIp: string): string {
  const ip = remoteIp.toLowerCase();
  if (!ip.includes(':')) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped) return mapped[1]!;
  const [head = '', tail] = ip.split('%')[0]!.split('::') as [string, string | undefined];
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? front
      : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
