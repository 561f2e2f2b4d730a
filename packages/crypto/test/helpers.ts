/** Shared test setup: both backends, the Wycheproof folder beside the repository, small byte helpers. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import {
  type CryptoBackend,
  CryptoError,
  createCrypto,
  type LeitungCrypto,
  nativeBackend,
  portableBackend,
} from '../src/index.js';

export const BACKENDS: readonly CryptoBackend[] = [nativeBackend(), portableBackend()];

export function cryptoFor(backend: CryptoBackend): LeitungCrypto {
  return createCrypto({ backend });
}

export const native = createCrypto({ backend: BACKENDS[0]! });
export const portable = createCrypto({ backend: BACKENDS[1]! });

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
/** Test vectors from other projects live beside the repository, never inside it (common brief). */
export const WYCHEPROOF_DIR = join(REPO_ROOT, '..', 'shared', 'vectors', 'wycheproof');
export const HAVE_WYCHEPROOF = existsSync(WYCHEPROOF_DIR);

let warned = false;
export function warnIfNoVectors(): void {
  if (!HAVE_WYCHEPROOF && !warned) {
    warned = true;
    console.warn(`Wycheproof vectors not found at ${WYCHEPROOF_DIR}: skipping the vector tests.`);
  }
}

export interface WycheproofFile<G> {
  readonly algorithm: string;
  readonly numberOfTests: number;
  readonly testGroups: readonly G[];
}

export interface WycheproofTest {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly result: 'valid' | 'invalid' | 'acceptable';
}

export function loadWycheproof<G>(name: string): WycheproofFile<G> {
  return JSON.parse(readFileSync(join(WYCHEPROOF_DIR, name), 'utf8')) as WycheproofFile<G>;
}

export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

export function bytes(length: number, fill = 0): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

export function flipBit(data: Uint8Array, index: number, bit = 0): Uint8Array {
  const copy = Uint8Array.from(data);
  copy[index]! ^= 1 << bit;
  return copy;
}

/** The CryptoError thrown by `fn` (fails the test when nothing or something else is thrown). */
export function caught(fn: () => unknown): CryptoError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CryptoError);
    return error as CryptoError;
  }
  throw new Error('expected a CryptoError, nothing was thrown');
}

export async function caughtAsync(fn: () => Promise<unknown>): Promise<CryptoError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CryptoError);
    return error as CryptoError;
  }
  throw new Error('expected a CryptoError, nothing was thrown');
}

/** Everything an attacker could observe of an error object, apart from the stack. */
export function observable(error: CryptoError): string {
  return JSON.stringify({
    name: error.name,
    code: error.code,
    message: error.message,
    keys: Object.keys(error).sort(),
    proto: Object.getPrototypeOf(error).constructor.name,
  });
}

/** A reproducible byte source for tests (SHA-256 in counter mode over a seed); never for real keys. */
export function deterministicRandom(seed: string): (length: number) => Uint8Array {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, length - offset)), offset);
    }
    return out;
  };
}
