/**
 * Safety numbers (docs/design.md §2): a string of digits two people compare out of band to confirm they hold
 * each other's real keys — the same idea as Signal's safety numbers.
 *
 * For each fingerprint f (SHA3-256 of an SPKI DER, 64 hex digits): h = SHA3-256("leitung/v1 safety-number"
 * ‖ f as 32 bytes); its first 30 bytes, read as six 40-bit big-endian numbers, each reduced mod 100000,
 * give 30 digits. The two 30-digit halves are sorted and joined: 60 digits, shown as 12 groups of 5. Sorting
 * makes the number the same on both phones; each half carries log2(10^30) ≈ 99.7 bits of its fingerprint,
 * so forging a key that matches one half costs ~2^99 hash evaluations.
 */
import type { CryptoBackend } from './backend.js';
import { concatBytes, fromHex, utf8 } from './bytes.js';
import { invalidArgument } from './errors.js';

const DOMAIN = utf8('leitung/v1 safety-number');
const GROUPS_PER_HALF = 6;

function half(backend: CryptoBackend, fingerprint: string): string {
  if (typeof fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(fingerprint)) {
    throw invalidArgument('a fingerprint is 64 lower-case hex digits');
  }
  const digest = backend.hash('sha3-256', concatBytes(DOMAIN, fromHex(fingerprint)));
  let digits = '';
  for (let g = 0; g < GROUPS_PER_HALF; g++) {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 256 + digest[g * 5 + i]!;
    digits += String(value % 100000).padStart(5, '0');
  }
  return digits;
}

/** 60 digits in 12 space-separated groups of 5, the same whichever fingerprint comes first. */
export function safetyNumber(backend: CryptoBackend, fingerprintA: string, fingerprintB: string): string {
  const halves = [half(backend, fingerprintA), half(backend, fingerprintB)].sort();
  return halves.join('').replace(/(\d{5})(?=\d)/g, '$1 ');
}
