/**
 * Sequence numbers and timestamps are uint32 on the transport and wrap. Inside the jitter buffer they
 * are "unwrapped" to plain integers: each value is taken as the one nearest to the last seen, as RTP
 * receivers extend 16-bit sequence numbers (RFC 3550 Appendix A.1), here for 32 bits.
 */
export const U32 = 2 ** 32;
const HALF = 2 ** 31;

export function isUint32(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < U32;
}

/** The integer congruent to `value` mod 2^32 that is nearest to `reference` (an unwrapped value). */
export function unwrapUint32(value: number, reference: number): number {
  const low = ((reference % U32) + U32) % U32;
  let delta = value - low;
  if (delta >= HALF) delta -= U32;
  else if (delta < -HALF) delta += U32;
  return reference + delta;
}

/** Back to the transport's range. */
export function wrapUint32(x: number): number {
  return ((x % U32) + U32) % U32;
}
