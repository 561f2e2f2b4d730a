/**
 * The RSA private-key operation (RSADP/RSASP1, RFC 8017 §5.1.2 and §5.2.1) on the JavaScript engine's own
 * BigInt: Chinese remainder theorem with sliding-window exponentiation, base blinding, and a check of the
 * result with the public exponent before anything leaves (docs/crypto.md "Portable RSA").
 *
 * Why: node-forge's jsbn integers take ~190 ms per RSA-4096 private operation; engine BigInts take about a
 * tenth of that, which is what a page has for the synchronous protocol cores (WebCrypto is asynchronous).
 * Padding (OAEP, PSS) stays with node-forge; only the modular exponentiation moves here. The public
 * operation (OAEP encryption, PSS verification) moves too: forge's costs ~2 ms, BigInt's a fraction.
 *
 * Side channels: BigInt arithmetic is not constant-time (neither is jsbn). Blinding makes the exponentiation
 * run on a random base unknown to an attacker, refreshed every {@link BLINDING_USES} operations and
 * squared in between (the scheme of OpenSSL's BN_BLINDING). The result check stops a faulty CRT half from
 * revealing a factor of the modulus (Boneh–DeMillo–Lipton). BigInts are immutable, so the key's copies
 * here cannot be overwritten: `destroy` drops them for the collector (docs/crypto.md §5 "Zeroisation").
 */

const WINDOW_BITS = 5;
/** A fresh blinding factor after this many operations; squared in between. */
const BLINDING_USES = 32;

/** The fields of an RSA private key this module needs, as big-endian unsigned integers. */
export interface RsaCrtComponents {
  readonly n: bigint;
  readonly e: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dP: bigint;
  readonly dQ: bigint;
  readonly qInv: bigint;
}

/** One step of a precomputed exponentiation: square `squarings` times, then multiply by table[`index`] (-1: none). */
interface WindowStep {
  readonly squarings: number;
  readonly index: number;
}

/** Sliding-window schedule of a fixed exponent, computed once per key (HAC algorithm 14.85). */
function windowSchedule(exponent: bigint): WindowStep[] {
  const bits = exponent.toString(2);
  const steps: WindowStep[] = [];
  let pending = 0;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      pending++;
      i++;
      continue;
    }
    let length = Math.min(WINDOW_BITS, bits.length - i);
    while (bits[i + length - 1] === '0') length--;
    const value = Number.parseInt(bits.slice(i, i + length), 2);
    steps.push({ squarings: pending + length, index: (value - 1) >> 1 });
    pending = 0;
    i += length;
  }
  if (pending > 0) steps.push({ squarings: pending, index: -1 });
  return steps;
}

/** base^exponent mod m along a schedule from {@link windowSchedule}; `base` < m. */
function modPow(base: bigint, schedule: readonly WindowStep[], m: bigint): bigint {
  const square = (base * base) % m;
  const odd: bigint[] = [base];
  for (let k = 1; k < 1 << (WINDOW_BITS - 1); k++) odd.push((odd[k - 1]! * square) % m);
  let result = 1n;
  for (const step of schedule) {
    for (let s = 0; s < step.squarings; s++) result = (result * result) % m;
    if (step.index >= 0) result = (result * odd[step.index]!) % m;
  }
  return result;
}

/** Big-endian unsigned bytes → BigInt. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt(`0x${hex}`);
}

/** BigInt → big-endian bytes, left-padded to `length` (the value must fit). */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16).padStart(length * 2, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * input^e mod n (RSAEP/RSAVP1, RFC 8017 §5.1.1, §5.2.2) for a `length`-byte input below n; public values
 * only, so plain square-and-multiply. Throws on an input of the wrong length or not below n.
 */
export function publicOp(n: bigint, e: bigint, input: Uint8Array, length: number): Uint8Array {
  if (input.length !== length) throw new Error('RSA input has the wrong length');
  const value = bytesToBigInt(input);
  if (value >= n) throw new Error('RSA input is not below the modulus');
  return bigIntToBytes(modPowSmall(value, e, n), length);
}

/** An RSA private key prepared for fast private operations on BigInt. */
export class BigIntRsaPrivateKey {
  readonly #key: RsaCrtComponents;
  readonly #length: number;
  readonly #scheduleP: WindowStep[];
  readonly #scheduleQ: WindowStep[];
  /** Exponents p − 2 and q − 2: inverses by Fermat's little theorem (see #inverse). */
  readonly #inverseP: WindowStep[];
  readonly #inverseQ: WindowStep[];
  readonly #randomBytes: (length: number) => Uint8Array;
  /** r^e and r^-1 mod n for the current blinding factor r, and how often they were used. */
  #blind: { forward: bigint; inverse: bigint; uses: number } | undefined;

  constructor(key: RsaCrtComponents, randomBytes: (length: number) => Uint8Array) {
    this.#key = key;
    this.#length = Math.ceil(key.n.toString(2).length / 8);
    this.#scheduleP = windowSchedule(key.dP);
    this.#scheduleQ = windowSchedule(key.dQ);
    this.#inverseP = windowSchedule(key.p - 2n);
    this.#inverseQ = windowSchedule(key.q - 2n);
    this.#randomBytes = randomBytes;
  }

  /**
   * Draws the first blinding factor now, so the first private operation — a login's, on the critical path —
   * does not pay for it (its inverse costs about one private operation).
   */
  prepare(): void {
    if (this.#blind === undefined) this.#blind = { ...this.#freshBlinding(), uses: 0 };
  }

  /** The modulus length in bytes (512 for RSA-4096). */
  get length(): number {
    return this.#length;
  }

  /**
   * input^d mod n for a `length`-byte big-endian input below the modulus; the result as `length` bytes.
   * Throws on an input of the wrong length or not below n (RFC 8017 §5.1.2 step 1), and when the result
   * fails its check.
   */
  privateOp(input: Uint8Array): Uint8Array {
    const { n, e, p, q, qInv } = this.#key;
    if (input.length !== this.#length) throw new Error('RSA input has the wrong length');
    const c = bytesToBigInt(input);
    if (c >= n) throw new Error('RSA input is not below the modulus');
    const blind = this.#blinding();
    const blinded = (c * blind.forward) % n;
    const m1 = modPow(blinded % p, this.#scheduleP, p);
    const m2 = modPow(blinded % q, this.#scheduleQ, q);
    const h = (qInv * (((m1 - m2) % p) + p)) % p;
    const m = ((m2 + h * q) * blind.inverse) % n;
    if (modPowSmall(m, e, n) !== c) throw new Error('RSA result check failed');
    return bigIntToBytes(m, this.#length);
  }

  /** Drops the key's numbers (BigInts cannot be overwritten in place). */
  destroy(): void {
    this.#blind = undefined;
  }

  /** The blinding pair for this operation: fresh every BLINDING_USES operations, squared in between. */
  #blinding(): { forward: bigint; inverse: bigint } {
    const { n } = this.#key;
    const current = this.#blind;
    if (current !== undefined && current.uses < BLINDING_USES) {
      if (current.uses > 0) {
        current.forward = (current.forward * current.forward) % n;
        current.inverse = (current.inverse * current.inverse) % n;
      }
      current.uses++;
      return current;
    }
    this.#blind = { ...this.#freshBlinding(), uses: 1 };
    return this.#blind;
  }

  /** r^e and r^-1 mod n for a fresh random r that is a unit mod n. */
  #freshBlinding(): { forward: bigint; inverse: bigint } {
    const { n, e } = this.#key;
    for (;;) {
      const r = bytesToBigInt(this.#randomBytes(this.#length)) % n;
      const inverse = r < 2n ? undefined : this.#inverse(r);
      if (inverse !== undefined) return { forward: modPowSmall(r, e, n), inverse };
    }
  }

  /**
   * r^-1 mod n from r^(p−2) mod p and r^(q−2) mod q (Fermat) joined by the CRT: a fixed cost of about one
   * private operation. The extended Euclidean algorithm on 4096-bit BigInts took up to 150 ms in Chromium.
   * Undefined when r shares a factor with n.
   */
  #inverse(r: bigint): bigint | undefined {
    const { p, q, qInv } = this.#key;
    const rp = r % p;
    const rq = r % q;
    if (rp === 0n || rq === 0n) return undefined;
    const ip = modPow(rp, this.#inverseP, p);
    const iq = modPow(rq, this.#inverseQ, q);
    const h = (qInv * (((ip - iq) % p) + p)) % p;
    return iq + h * q;
  }
}

/** base^exponent mod m by square-and-multiply, for the public exponent (public values only). */
function modPowSmall(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = base % m;
  let x = exponent;
  while (x > 0n) {
    if (x & 1n) result = (result * b) % m;
    b = (b * b) % m;
    x >>= 1n;
  }
  return result;
}
