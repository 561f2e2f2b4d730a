/**
 * Checks on what callers hand to this package. They work across realms (an iframe's or a worker's
 * Uint8Array, Node's Buffer) because `instanceof` does not.
 */
import { WireError } from './errors.js';

/** True for a Uint8Array (or a subclass such as Node's Buffer) from any realm. */
export function isUint8Array(value: unknown): value is Uint8Array {
  // instanceof first: the common same-realm case stays cheap on hot paths.
  return value instanceof Uint8Array || Object.prototype.toString.call(value) === '[object Uint8Array]';
}

/** Throws WIRE_ERR_INVALID_ARGUMENT unless `value` is a Uint8Array. */
export function requireBytes(value: unknown, what: string): Uint8Array {
  if (!isUint8Array(value)) throw new WireError('WIRE_ERR_INVALID_ARGUMENT', `${what} must be a Uint8Array`);
  return value;
}

/**
 * Resolves an optional integer option: `undefined` gives `fallback`; anything else must be an integer
 * in `[min, max]` or the call fails with WIRE_ERR_INVALID_ARGUMENT.
 */
export function resolveIntegerOption(
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
  name: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new WireError('WIRE_ERR_INVALID_ARGUMENT', `${name} must be an integer in [${min}, ${max}]`);
  }
  return value;
}
