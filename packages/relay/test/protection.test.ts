import { describe, expect, it } from 'vitest';
import { Blocklist, KeyedRateLimiter, TokenBucket } from '../src/core/index.js';
import { checkName, nameKey, type RelayError, resolveLimits } from '../src/index.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as RelayError).code;
  }
  return undefined;
};

describe('name policy (docs/design.md §2, docs/lessons.md #14)', () => {
  it('accepts ordinary names in many scripts', () => {
    for (const name of [
      'alice',
      'Jean-Luc',
      "O'Brien",
      'Zoë Müller',
      'Ørsted',
      '山田太郎',
      'Σωκράτης',
      'user.42',
      'a_b',
    ]) {
      expect(checkName(name).name).toBe(name);
    }
  });

  it('refuses empty, non-NFC, too long, invisible, control, symbol and badly separated names', () => {
    const bad = [
      '',
      'Zoe\u0308', // NFD
      'x'.repeat(33),
      'ü'.repeat(33),
      'al\u200bice', // zero-width space
      'ali\u202ece', // bidi override
      'tab\there',
      'a  b',
      ' alice',
      'alice.',
      '-alice',
      'al@ice',
      '🙂',
    ];
    for (const name of bad)
      expect(
        codeOf(() => checkName(name)),
        JSON.stringify(name),
      ).toBe('RELAY_ERR_NAME_INVALID');
  });

  it('folds case and compatibility forms for uniqueness', () => {
    expect(nameKey('Alice')).toBe(nameKey('alice'));
    expect(nameKey('ＡＬＩＣＥ')).toBe(nameKey('alice'));
    expect(nameKey('alice')).not.toBe(nameKey('alicia'));
  });
});

describe('blocklist file format', () => {
  const fp = 'ab'.repeat(32);
  it('parses addresses, subnets (v4 and v6) and fingerprints, with comments', () => {
    const list = Blocklist.parse(
      `# comment\n203.0.113.7\n198.51.100.0/24  # a subnet\n2001:db8::/32\nkey ${fp}\n${'CD'.repeat(32)}\n\n`,
    );
    expect(list.isAddressBlocked('203.0.113.7')).toBe(true);
    expect(list.isAddressBlocked('::ffff:203.0.113.7')).toBe(true);
    expect(list.isAddressBlocked('203.0.113.8')).toBe(false);
    expect(list.isAddressBlocked('198.51.100.200')).toBe(true);
    expect(list.isAddressBlocked('2001:db8::1')).toBe(true);
    expect(list.isAddressBlocked('2001:db9::1')).toBe(false);
    expect(list.isKeyBlocked(fp)).toBe(true);
    expect(list.isKeyBlocked('cd'.repeat(32))).toBe(true);
    expect(list.isKeyBlocked('ef'.repeat(32))).toBe(false);
    expect(list.addressRules).toBe(3);
    expect(list.fingerprintCount).toBe(2);
  });

  it('refuses the whole file when one line is invalid', () => {
    for (const text of ['203.0.113.7\nnot-an-address\n', '10.0.0.0/33', 'key 1234', '1.2.3.4 5.6.7.8']) {
      expect(codeOf(() => Blocklist.parse(text))).toBe('RELAY_ERR_BLOCKLIST_INVALID');
    }
  });
});

describe('token buckets', () => {
  it('allow the burst, then the refill rate', () => {
    const bucket = new TokenBucket({ perSecond: 2, burst: 3 }, 0);
    expect([1, 2, 3, 4].map(() => bucket.take(0))).toEqual([true, true, true, false]);
    expect(bucket.take(499)).toBe(false);
    expect(bucket.take(500)).toBe(true);
  });

  it('keyed limiters keep keys apart and stay bounded', () => {
    const limiter = new KeyedRateLimiter({ perSecond: 1, burst: 1 }, 3);
    expect(limiter.take('a', 0)).toBe(true);
    expect(limiter.take('a', 0)).toBe(false);
    expect(limiter.take('b', 0)).toBe(true);
    for (const k of ['c', 'd', 'e', 'f']) limiter.take(k, 0);
    expect(limiter.size).toBeLessThanOrEqual(3);
    limiter.sweep(10_000);
    expect(limiter.size).toBe(0);
  });
});

describe('limits', () => {
  it('resolves defaults and refuses nonsense', () => {
    expect(resolveLimits().maxFrameSize).toBe(65_536);
    expect(resolveLimits({ ringTimeoutMs: 5 }).ringTimeoutMs).toBe(5);
    expect(codeOf(() => resolveLimits({ ringTimeoutMs: -1 }))).toBe('RELAY_ERR_INVALID_OPTION');
    expect(codeOf(() => resolveLimits({ callsPerIp: { perSecond: 0, burst: 1 } }))).toBe(
      'RELAY_ERR_INVALID_OPTION',
    );
    expect(codeOf(() => resolveLimits({ directoryListMaxEntries: 65 }))).toBe('RELAY_ERR_INVALID_OPTION');
  });
});
