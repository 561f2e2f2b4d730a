/**
 * RSA-4096 key objects (docs/design.md §2: e = 65537, 4096-bit identities) and their import/export.
 *
 * Every key that enters the package goes through the same backend-independent checks before a backend
 * parses it: strict DER, algorithm rsaEncryption, modulus exactly 4096 bits, e = 65537, and for private
 * keys the consistency of the CRT parameters (a corrupted key could otherwise leak its factors through a
 * faulty signature, Boneh–DeMillo–Lipton 1997). Anything else is a typed error.
 */
import type { CryptoBackend } from './backend.js';
import { concatBytes, isBytes, toHex } from './bytes.js';
import {
  encodeSequence,
  encodeTlv,
  expect,
  objectIdentifier,
  octetString,
  parseDer,
  sequence,
  smallInteger,
  TAG_BIT_STRING,
  TAG_INTEGER,
  TAG_NULL,
  unsignedInteger,
} from './der.js';
import { CryptoError, CryptoErrorCode, invalidArgument } from './errors.js';
import { decodePem, encodePem, pemLabel } from './pem.js';
import type { PublicKeyCache } from './public-key-cache.js';

/** The only RSA modulus size imported or generated: identity keys are RSA-4096 (docs/crypto.md §2, §3). */
export const RSA_MODULUS_BITS = 4096;
export const RSA_MODULUS_BYTES = RSA_MODULUS_BITS / 8;
const RSA_ENCRYPTION_OID = '1.2.840.113549.1.1.1';

function unsupported(message: string): CryptoError {
  return new CryptoError(CryptoErrorCode.KeyUnsupported, message);
}

function keyFormat(message: string): CryptoError {
  return new CryptoError(CryptoErrorCode.KeyFormat, message);
}

/** AlgorithmIdentifier must be rsaEncryption with NULL parameters (RFC 8017 Appendix A.1). */
function checkAlgorithm(node: Parameters<typeof sequence>[0]): void {
  const [oid, params, ...rest] = sequence(node);
  if (objectIdentifier(oid) !== RSA_ENCRYPTION_OID) throw unsupported('not an RSA (rsaEncryption) key');
  if (rest.length > 0 || expect(params, TAG_NULL).content.length !== 0) {
    throw keyFormat('rsaEncryption parameters must be NULL');
  }
}

function checkModulusAndExponent(n: Uint8Array, e: Uint8Array): void {
  if (n.length !== RSA_MODULUS_BYTES || !(n[0]! & 0x80))
    throw unsupported('RSA modulus must be exactly 4096 bits');
  if (e.length !== 3 || e[0] !== 1 || e[1] !== 0 || e[2] !== 1)
    throw unsupported('RSA public exponent must be 65537');
  checkModulusSanity(n);
}

/** Small-prime bound of the modulus sanity check (docs/crypto.md §3): primes below 2^14. */
export const SMALL_PRIME_BOUND = 1 << 14;
let smallPrimeBatches: readonly (readonly [bigint, readonly number[]])[] | undefined;

/** The primes below SMALL_PRIME_BOUND, grouped so that each group's product stays below 2^53. */
function primeBatches(): readonly (readonly [bigint, readonly number[]])[] {
  if (smallPrimeBatches !== undefined) return smallPrimeBatches;
  const composite = new Uint8Array(SMALL_PRIME_BOUND);
  const batches: [bigint, number[]][] = [];
  let product = 1;
  let primes: number[] = [];
  for (let i = 2; i < SMALL_PRIME_BOUND; i++) {
    if (composite[i]) continue;
    for (let j = i * i; j < SMALL_PRIME_BOUND; j += i) composite[j] = 1;
    if (product * i > Number.MAX_SAFE_INTEGER) {
      batches.push([BigInt(product), primes]);
      product = 1;
      primes = [];
    }
    product *= i;
    primes.push(i);
  }
  batches.push([BigInt(product), primes]);
  smallPrimeBatches = batches;
  return batches;
}

/**
 * Modulus sanity (docs/crypto.md §3): a 4096-bit n that is even, has a prime factor below 2^14 or is a
 * perfect square is no two-prime RSA modulus of two 2048-bit primes; such keys are cheap to make in bulk
 * (Sybil registrations) and some make OpenSSL fail later with an untyped error. One BigInt remainder per
 * group of primes whose product fits a double, then double arithmetic (0.3–0.8 ms). A modulus of several
 * large primes cannot be told apart from the public key; registration budgets bound those (docs/relay.md).
 */
function checkModulusSanity(n: Uint8Array): void {
  if ((n[n.length - 1]! & 1) === 0) throw unsupported('RSA modulus is even');
  const N = bigintOf(n);
  for (const [product, primes] of primeBatches()) {
    const r = Number(N % product);
    for (const p of primes) {
      if (r % p === 0) throw unsupported('RSA modulus has a small prime factor');
    }
  }
  const root = isqrt(N);
  if (root * root === N) throw unsupported('RSA modulus is a perfect square');
}

/** ⌊√n⌋ for 0 < n < 2^4096, Newton's method from 2^2048 (above the root). */
function isqrt(n: bigint): bigint {
  let x = 1n << BigInt(RSA_MODULUS_BITS / 2);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** Validates SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) holding an RSAPublicKey (RFC 8017 A.1.1). */
export function checkSpki(der: Uint8Array): void {
  const [algorithm, bits, ...rest] = sequence(parseDer(der));
  if (rest.length > 0) throw keyFormat('trailing fields in SubjectPublicKeyInfo');
  checkAlgorithm(algorithm);
  const bitString = expect(bits, TAG_BIT_STRING).content;
  if (bitString[0] !== 0) throw keyFormat('public key BIT STRING has unused bits');
  const fields = sequence(parseDer(bitString.subarray(1)));
  if (fields.length !== 2) throw keyFormat('RSAPublicKey must have two fields');
  checkModulusAndExponent(unsignedInteger(fields[0]), unsignedInteger(fields[1]));
}

function bigintOf(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

/** Validates PrivateKeyInfo (RFC 5208 §5) holding a two-prime RSAPrivateKey (RFC 8017 A.1.2). */
export function checkPkcs8(der: Uint8Array): void {
  const [version, algorithm, privateKey] = sequence(parseDer(der));
  const v = smallInteger(version);
  if (v !== 0 && v !== 1) throw keyFormat('unknown PrivateKeyInfo version');
  checkAlgorithm(algorithm);
  const fields = sequence(parseDer(octetString(privateKey)));
  if (fields.length !== 9 || smallInteger(fields[0]) !== 0)
    throw unsupported('only two-prime RSA private keys');
  const [n, e, d, p, q, dP, dQ, qInv] = fields.slice(1).map((f) => unsignedInteger(f)) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  checkModulusAndExponent(n, e);
  // Consistency of the CRT form: n = p·q, dP = d mod (p−1), dQ = d mod (q−1), q·qInv ≡ 1 (mod p),
  // e·d ≡ 1 mod (p−1) and (q−1). BigInt arithmetic only; no modular exponentiation on secrets.
  const [N, E, D, P, Q, DP, DQ, QI] = [n, e, d, p, q, dP, dQ, qInv].map(bigintOf) as bigint[];
  const consistent =
    P! > 1n &&
    Q! > 1n &&
    P! * Q! === N &&
    D! % (P! - 1n) === DP &&
    D! % (Q! - 1n) === DQ &&
    (Q! * QI!) % P! === 1n &&
    (E! * D!) % (P! - 1n) === 1n &&
    (E! * D!) % (Q! - 1n) === 1n;
  if (!consistent) throw keyFormat('inconsistent RSA private key');
}

interface KeyState {
  readonly owner: CryptoBackend;
  readonly handles: Map<CryptoBackend, unknown>;
  destroyed: boolean;
}

interface PublicState extends KeyState {
  readonly spki: Uint8Array;
  fingerprint?: string;
}

const publicStates = new WeakMap<RsaPublicKey, PublicState>();
const privateStates = new WeakMap<RsaPrivateKey, KeyState>();
const INTERNAL: unique symbol = Symbol('rsa-key');

/** An RSA-4096 public key (e = 65537). Create with `importRsaPublicKey` or from a private key. */
export class RsaPublicKey {
  /** @internal Use `importRsaPublicKey`; keys cannot be constructed directly. */
  constructor(token: symbol, state: unknown) {
    if (token !== INTERNAL) throw invalidArgument('use importRsaPublicKey to create keys');
    publicStates.set(this, state as PublicState);
  }

  /** SubjectPublicKeyInfo DER (a copy). */
  toDer(): Uint8Array {
    return Uint8Array.from(publicState(this).spki);
  }

  /** SubjectPublicKeyInfo PEM ("PUBLIC KEY"). */
  toPem(): string {
    return encodePem('PUBLIC KEY', publicState(this).spki);
  }

  /** SHA3-256 of the SPKI DER, lower-case hex: the client id of docs/design.md §2. */
  fingerprint(): string {
    const state = publicState(this);
    state.fingerprint ??= toHex(state.owner.hash('sha3-256', state.spki));
    return state.fingerprint;
  }

  /** True when both hold the same key (same SPKI bytes). */
  equals(other: RsaPublicKey): boolean {
    const a = publicState(this).spki;
    const b = publicStates.get(other)?.spki;
    return b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
  }
}

/** An RSA-4096 private key. `destroy()` wipes what can be wiped (docs/crypto.md §Zeroize). */
export class RsaPrivateKey {
  readonly publicKey: RsaPublicKey;

  /** @internal Use `generateRsaKeyPair` or `importRsaPrivateKey`. */
  constructor(token: symbol, state: unknown, publicKey: RsaPublicKey) {
    if (token !== INTERNAL) throw invalidArgument('use importRsaPrivateKey to create keys');
    privateStates.set(this, state as KeyState);
    this.publicKey = publicKey;
  }

  get destroyed(): boolean {
    return privateStates.get(this)?.destroyed ?? true;
  }

  /** PKCS#8 PrivateKeyInfo DER, unencrypted: handle with care (zeroize when done). */
  toPkcs8Der(): Uint8Array {
    const state = livePrivateState(this);
    return state.owner.rsa.exportPkcs8(state.handles.get(state.owner));
  }

  /** PKCS#8 PEM ("PRIVATE KEY"), unencrypted. Prefer `exportEncryptedPrivateKey` for storage. */
  toPkcs8Pem(): string {
    const der = this.toPkcs8Der();
    try {
      return encodePem('PRIVATE KEY', der);
    } finally {
      der.fill(0);
    }
  }

  /** Drops every backend handle after wiping it where the backend allows. Idempotent. */
  destroy(): void {
    const state = privateStates.get(this);
    if (!state || state.destroyed) return;
    for (const [backend, handle] of state.handles) backend.rsa.destroy(handle);
    state.handles.clear();
    state.destroyed = true;
  }
}

function publicState(key: RsaPublicKey): PublicState {
  const state = publicStates.get(key);
  if (!state) throw invalidArgument('not an RsaPublicKey');
  return state;
}

function livePrivateState(key: RsaPrivateKey): KeyState {
  const state = privateStates.get(key);
  if (!state) throw invalidArgument('not an RsaPrivateKey');
  if (state.destroyed) throw new CryptoError(CryptoErrorCode.KeyDestroyed, 'private key was destroyed');
  return state;
}

/** The backend handle of a public key, importing it into `backend` on first use there. */
export function publicHandle(key: RsaPublicKey, backend: CryptoBackend): unknown {
  if (!(key instanceof RsaPublicKey)) throw invalidArgument('expected an RsaPublicKey');
  const state = publicState(key);
  let handle = state.handles.get(backend);
  if (handle === undefined) {
    handle = backend.rsa.importSpki(state.spki);
    state.handles.set(backend, handle);
  }
  return handle;
}

/** The backend handle of a private key, moved into `backend` through PKCS#8 on first use there. */
export function privateHandle(key: RsaPrivateKey, backend: CryptoBackend): unknown {
  if (!(key instanceof RsaPrivateKey)) throw invalidArgument('expected an RsaPrivateKey');
  const state = livePrivateState(key);
  let handle = state.handles.get(backend);
  if (handle === undefined) {
    const der = state.owner.rsa.exportPkcs8(state.handles.get(state.owner));
    try {
      handle = backend.rsa.importPkcs8(der);
    } finally {
      der.fill(0);
    }
    state.handles.set(backend, handle);
  }
  return handle;
}

function newPublicKey(backend: CryptoBackend, handle: unknown, spki: Uint8Array): RsaPublicKey {
  return new RsaPublicKey(INTERNAL, {
    owner: backend,
    handles: new Map([[backend, handle]]),
    spki,
    destroyed: false,
  });
}

function tryBackend<T>(parse: () => T): T {
  try {
    return parse();
  } catch {
    throw keyFormat('the backend could not parse the key');
  }
}

/**
 * Public key from SPKI DER bytes or a "PUBLIC KEY" PEM string. With `cache`, a key imported from the same
 * bytes before is handed out again without a second check (public-key-cache.ts), and a new one is kept.
 */
export function importPublicKey(
  backend: CryptoBackend,
  input: string | Uint8Array,
  cache?: PublicKeyCache,
): RsaPublicKey {
  const der = typeof input === 'string' ? decodePem(input, 'PUBLIC KEY') : requireKeyBytes(input);
  const kept = cache?.get(der);
  if (kept !== undefined) return kept;
  checkSpki(der);
  const handle = tryBackend(() => backend.rsa.importSpki(der));
  const canonical = backend.rsa.exportSpki(handle);
  // The fingerprint is defined over these bytes: accept only input that is already canonical.
  if (canonical.length !== der.length || !canonical.every((b, i) => b === der[i])) {
    throw keyFormat('public key DER is not canonical');
  }
  const key = newPublicKey(backend, handle, canonical);
  cache?.set(canonical, key);
  return key;
}

function requireKeyBytes(input: unknown): Uint8Array {
  if (!isBytes(input)) throw invalidArgument('key must be a PEM string or DER bytes');
  return input;
}

/** Private key from PKCS#8 DER bytes; the caller keeps ownership of `der`. */
export function privateKeyFromPkcs8(backend: CryptoBackend, der: Uint8Array): RsaPrivateKey {
  checkPkcs8(der);
  const handle = tryBackend(() => backend.rsa.importPkcs8(der));
  return wrapPrivateHandle(backend, handle);
}

/** Private key from unencrypted PKCS#8: DER bytes or a "PRIVATE KEY" PEM string. */
export function importPrivateKey(backend: CryptoBackend, input: string | Uint8Array): RsaPrivateKey {
  if (typeof input === 'string') {
    if (pemLabel(input) === 'ENCRYPTED PRIVATE KEY') {
      throw keyFormat('the key is encrypted: use importEncryptedRsaPrivateKey');
    }
    const der = decodePem(input, 'PRIVATE KEY');
    try {
      return privateKeyFromPkcs8(backend, der);
    } finally {
      der.fill(0);
    }
  }
  return privateKeyFromPkcs8(backend, requireKeyBytes(input));
}

/** Wraps a backend private handle (already checked, or freshly generated and checked here). */
export function wrapPrivateHandle(backend: CryptoBackend, handle: unknown): RsaPrivateKey {
  const publicHandleOfKey = backend.rsa.publicFromPrivate(handle);
  const spki = backend.rsa.exportSpki(publicHandleOfKey);
  checkSpki(spki);
  const publicKey = newPublicKey(backend, publicHandleOfKey, spki);
  return new RsaPrivateKey(
    INTERNAL,
    { owner: backend, handles: new Map([[backend, handle]]), destroyed: false },
    publicKey,
  );
}

/**
 * The SubjectPublicKeyInfo (DER) of a PKCS#8 RSA private key, after every check `checkPkcs8` makes: for a
 * private key imported where its public half cannot be read back — a non-extractable WebCrypto key
 * (docs/crypto.md "WebCrypto RSA"). The result passes `importRsaPublicKey`.
 */
export function spkiOfPkcs8(pkcs8: Uint8Array): Uint8Array {
  checkPkcs8(pkcs8);
  const [, algorithm, privateKey] = sequence(parseDer(pkcs8));
  const [, n, e] = sequence(parseDer(octetString(privateKey)));
  const rsaPublicKey = encodeSequence(encodeTlv(TAG_INTEGER, n!.content), encodeTlv(TAG_INTEGER, e!.content));
  return encodeSequence(
    encodeTlv(algorithm!.tag, algorithm!.content),
    encodeTlv(TAG_BIT_STRING, concatBytes(Uint8Array.of(0), rsaPublicKey)),
  );
}
