/**
 * scrypt (RFC 7914) for passphrases. The default N = 2^15, r = 8, p = 1 costs 32 MiB and about 90 ms on the
 * reference machine (node:crypto), the strongest power of two within the ~100 ms budget of a vault unlock.
 */
import type { CryptoBackend, ScryptParameters } from './backend.js';
import { isBytes, requireBytes, utf8 } from './bytes.js';
import { invalidArgument } from './errors.js';

export type { ScryptParameters } from './backend.js';

/**
 * Default scrypt work factors N = 2^15, r = 8, p = 1: 32 MiB and ~90 ms natively, the strongest power of two
 * within a vault unlock's ~100 ms budget (docs/crypto.md §4).
 */
export const DEFAULT_SCRYPT_PARAMETERS: ScryptParameters = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

/** Refuse work factors that would exhaust memory (files from elsewhere carry their own parameters). */
const MAX_SCRYPT_MEMORY = 1024 * 1024 * 1024;

/**
 * Options of `scrypt`: work factors (default DEFAULT_SCRYPT_PARAMETERS) and output length in bytes (1..1024,
 * default 32).
 */
export interface ScryptOptions extends Partial<ScryptParameters> {
  /** Output length in bytes (default 32). */
  readonly length?: number;
}

export function scryptParameters(options: Partial<ScryptParameters> | undefined): ScryptParameters {
  const N = options?.N ?? DEFAULT_SCRYPT_PARAMETERS.N;
  const r = options?.r ?? DEFAULT_SCRYPT_PARAMETERS.r;
  const p = options?.p ?? DEFAULT_SCRYPT_PARAMETERS.p;
  // RFC 7914 §2: N a power of two greater than 1, r·p < 2^30.
  if (!Number.isInteger(N) || N < 2 || N > 2 ** 30 || (N & (N - 1)) !== 0) {
    throw invalidArgument('scrypt N must be a power of two, 2..2^30');
  }
  if (!Number.isInteger(r) || r < 1 || !Number.isInteger(p) || p < 1 || r * p >= 2 ** 30) {
    throw invalidArgument('scrypt r and p must be positive integers with r·p < 2^30');
  }
  if (128 * r * (N + p) > MAX_SCRYPT_MEMORY) throw invalidArgument('scrypt parameters need more than 1 GiB');
  return { N, r, p };
}

export function scryptLength(length: number | undefined): number {
  const n = length ?? 32;
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw invalidArgument('scrypt length must be 1..1024 bytes');
  return n;
}

/** Passphrases as UTF-8 of their NFC form, so the same visible text always gives the same key. */
export function passphraseBytes(passphrase: string | Uint8Array): Uint8Array {
  if (typeof passphrase === 'string') return utf8(passphrase.normalize('NFC'));
  if (isBytes(passphrase)) return passphrase;
  throw invalidArgument('passphrase must be a string or a Uint8Array');
}

export async function scryptAsync(
  backend: CryptoBackend,
  passphrase: string | Uint8Array,
  salt: Uint8Array,
  options?: ScryptOptions,
): Promise<Uint8Array> {
  const params = scryptParameters(options);
  const length = scryptLength(options?.length);
  return backend.scrypt(passphraseBytes(passphrase), requireBytes('salt', salt), params, length);
}

export function scryptSync(
  backend: CryptoBackend,
  passphrase: string | Uint8Array,
  salt: Uint8Array,
  options?: ScryptOptions,
): Uint8Array {
  const params = scryptParameters(options);
  const length = scryptLength(options?.length);
  return backend.scryptSync(passphraseBytes(passphrase), requireBytes('salt', salt), params, length);
}
