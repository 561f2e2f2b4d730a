/**
 * RSA-4096 key generation with progress for UIs. Native generation (OpenSSL, WebCrypto) reports nothing
 * while it searches for primes, so the progress is honest about what is known: a start, periodic
 * "still working" ticks with the elapsed time, and the end. There is no percentage because the time to find
 * two 2048-bit primes is random (0.3–3.9 s natively on the reference machine, docs/benchmarks.md "crypto").
 */
import type { CryptoBackend } from './backend.js';
import { CryptoError, CryptoErrorCode, invalidArgument } from './errors.js';
import { type RsaPrivateKey, type RsaPublicKey, wrapPrivateHandle } from './rsa-keys.js';

/** Stage of RSA key generation reported to `onProgress`: `started`, periodic `working` ticks, then `done`. */
export type KeygenPhase = 'started' | 'working' | 'done';

/**
 * One progress report of `generateRsaKeyPair`: phase and elapsed time only, since the prime search has no
 * knowable percentage (docs/crypto.md §3).
 */
export interface KeygenProgress {
  readonly phase: KeygenPhase;
  /** Milliseconds since generation started. */
  readonly elapsedMs: number;
}

/** Options of `generateRsaKeyPair`: a progress callback for UIs and its tick interval. */
export interface GenerateRsaKeyPairOptions {
  /** Called with `started`, then `working` every `progressIntervalMs`, then `done`. */
  readonly onProgress?: (progress: KeygenProgress) => void;
  /** Tick interval for `working` reports (default 250 ms). */
  readonly progressIntervalMs?: number;
}

/** A fresh RSA-4096 (e = 65537) identity key pair from `generateRsaKeyPair`. */
export interface RsaKeyPair {
  readonly publicKey: RsaPublicKey;
  readonly privateKey: RsaPrivateKey;
}

export async function generateRsaKeyPair(
  backend: CryptoBackend,
  now: () => number,
  options: GenerateRsaKeyPairOptions | undefined,
): Promise<RsaKeyPair> {
  const interval = options?.progressIntervalMs ?? 250;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 10) {
    throw invalidArgument('progressIntervalMs must be at least 10');
  }
  const report = options?.onProgress;
  if (report !== undefined && typeof report !== 'function')
    throw invalidArgument('onProgress must be a function');
  const start = now();
  const tell = (phase: KeygenPhase): void => report?.({ phase, elapsedMs: now() - start });
  tell('started');
  const timer = report ? setInterval(() => tell('working'), interval) : undefined;
  let handle: unknown;
  try {
    handle = await backend.rsa.generate();
  } catch {
    throw new CryptoError(CryptoErrorCode.Keygen, 'RSA key generation failed');
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
  const privateKey = wrapPrivateHandle(backend, handle);
  tell('done');
  return { publicKey: privateKey.publicKey, privateKey };
}
