/** Registration budgets per source network (docs/relay.md "Registration budgets"), sans-I/O. */
import { describe, expect, it } from 'vitest';
import { budgetKey, RegistrationBudget } from '../src/protection/registration-budget.js';

describe('budgetKey: IPv4 /32, IPv6 /64', () => {
  it('keys IPv6 addresses by their /64 and IPv4(-mapped) addresses by the address', () => {
    const net = budgetKey('2001:db8:1:2::1');
    for (const same of [
      '2001:db8:1:2:aaaa:bbbb:cccc:dddd',
      '2001:DB8:1:2::ffff',
      '2001:0db8:0001:0002::9%eth0',
    ])
      expect(budgetKey(same)).toBe(net);
    expect(budgetKey('2001:db8:1:3::1')).not.toBe(net);
    expect(budgetKey('::1')).toBe('0:0:0:0::/64');
    expect(budgetKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(budgetKey('192.0.2.7')).toBe('192.0.2.7');
    expect(budgetKey('192.0.2.8')).not.toBe('192.0.2.7');
  });
});

describe('RegistrationBudget', () => {
  const limits = {
    newNamesPerAddress: { perSecond: 1, burst: 2 },
    newNamesGlobal: { perSecond: 1, burst: 3 },
    maxBucketKeys: 100,
  };

  it('charges per network and globally, tells how long to wait, and refills over time', () => {
    const budget = new RegistrationBudget(limits, 0);
    expect(budget.take('2001:db8::1', 0)).toBe(true);
    expect(budget.take('2001:db8::2', 0)).toBe(true);
    // Same /64: empty; the hint is the refill time of one token.
    expect(budget.waitMs('2001:db8::3', 0)).toBe(1000);
    expect(budget.take('2001:db8::3', 0)).toBe(false);
    expect(budget.take('192.0.2.1', 0)).toBe(true);
    // Global burst (3) spent: every network waits.
    expect(budget.take('192.0.2.2', 0)).toBe(false);
    expect(budget.waitMs('192.0.2.2', 0)).toBe(1000);
    expect(budget.take('192.0.2.2', 1000)).toBe(true);
  });
});
