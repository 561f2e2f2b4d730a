/**
 * Equality of secret byte strings without an early exit, so the time taken does not reveal the position of
 * the first differing byte (tag checks: RFC 2104 §5 truncated tags are only as strong as their comparison).
 * Lengths are public (every tag and MAC length here is fixed), so a length mismatch returns at once.
 * JavaScript engines give no formal constant-time guarantee; this is the best a JS implementation can do:
 * one pass over every byte, data-independent control flow, OR-accumulated differences.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
