// The network conditions of the audio-quality benchmark, as seeded per-packet schedules: for packet k, is
// it dropped, and how much later than the base delay does it arrive? The same schedule drives the in-process
// pipeline and the UDP proxy, and the same drop pattern the opus-tools reference.

/** Park–Miller PRNG: the same numbers on every run. */
export function seeded(seed) {
  let s = seed % 2_147_483_647 || 1;
  return () => {
    s = (s * 16_807) % 2_147_483_647;
    return (s - 1) / 2_147_483_646;
  };
}

/**
 * Each condition: name, and `plan(count)` → per packet { drop, extraMs }.
 * - random loss: independent drops (Bernoulli)
 * - bursts: Gilbert model, p(good→bad) and p(bad→good) chosen for 5 % loss in bursts of 3 frames on average
 * - jitter: uniform extra delay 0–40 ms (packets overtake each other when it exceeds 20 ms)
 * - reordering: 10 % of packets held back by 25–45 ms, no other variation
 */
export const CONDITIONS = [
  { name: 'clean', plan: (n) => uniform(n, 1, () => ({ drop: false, extraMs: 0 })) },
  { name: '5 % random loss', plan: (n) => uniform(n, 5, (r) => ({ drop: r() < 0.05, extraMs: 0 })) },
  { name: '10 % random loss', plan: (n) => uniform(n, 10, (r) => ({ drop: r() < 0.1, extraMs: 0 })) },
  { name: '5 % loss in bursts (mean 3)', plan: (n) => gilbert(n, 7, 0.05, 3) },
  {
    name: '0–40 ms uniform jitter',
    plan: (n) => uniform(n, 40, (r) => ({ drop: false, extraMs: 40 * r() })),
  },
  {
    name: '10 % reordered (+25–45 ms)',
    plan: (n) => uniform(n, 45, (r) => ({ drop: false, extraMs: r() < 0.1 ? 25 + 20 * r() : 0 })),
  },
];

function uniform(n, seed, one) {
  const r = seeded(seed);
  return Array.from({ length: n }, () => one(r));
}

function gilbert(n, seed, loss, meanBurst) {
  const r = seeded(seed);
  const q = 1 / meanBurst; // bad → good
  const p = (loss * q) / (1 - loss); // good → bad, so that p / (p + q) = loss
  let bad = false;
  return Array.from({ length: n }, () => {
    bad = bad ? r() >= q : r() < p;
    return { drop: bad, extraMs: 0 };
  });
}
