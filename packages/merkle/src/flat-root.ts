/**
 * The seed's "Merkle root", kept for compatibility with small directories (docs/design.md §4): SHA3-256,
 * lowercase hex, of the normalised keys, de-duplicated, sorted and joined with "|||". It is a checksum
 * of a key list, not a Merkle tree: it has no proofs and no trust anchor (docs/lessons.md #3), so it is only
 * ever a cross-check next to the signed tree head, never a replacement for it.
 *
 * Normalisation of one key (normaliseKey):
 * 1. A Uint8Array is taken as DER and written as standard base64; the steps below apply to strings.
 * 2. If the string contains "-----BEGIN PUBLIC KEY-----", only the text between that line and the
 *    following "-----END PUBLIC KEY-----" is kept (armour lines and anything around them are dropped);
 *    a BEGIN without a matching END, or any other "-----BEGIN"/"-----END" armour, is refused.
 * 3. All whitespace (JavaScript `\s`: spaces, tabs, CR, LF and the other Unicode spaces) is removed.
 * 4. What remains must be non-empty standard base64 (A–Z a–z 0–9 + /, "=" padding only at the end,
 *    length a multiple of 4); otherwise the key is refused.
 *
 * Sorting is by code point, as the seed's Python `sorted()` does (normalised keys are ASCII, so this is
 * plain string order). Where the seed silently skipped a key it could not parse, flatRoot throws
 * MERKLE_ERR_INVALID_KEY instead: a checksum that quietly leaves keys out would vouch for less than it
 * appears to. The seed also required bare base64 to be ≥ 100 characters and end in "=="; that heuristic
 * is dropped (every RSA SPKI in PEM form passes both ways). The empty list gives SHA3-256("").
 */
import { toHex } from './bytes.js';
import { InvalidKeyError } from './errors.js';
import { type HashFunction, SHA3_256 } from './hash.js';

const BEGIN = '-----BEGIN PUBLIC KEY-----';
const END = '-----END PUBLIC KEY-----';
const SEPARATOR = '|||';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextEncoder();

/** The normalised form of one public key (see the module comment); throws InvalidKeyError. */
export function normaliseKey(key: string | Uint8Array, position = 0): string {
  if (key instanceof Uint8Array) {
    if (key.length === 0) throw new InvalidKeyError(position, 'empty key');
    return base64(key);
  }
  if (typeof key !== 'string') throw new InvalidKeyError(position, 'not a string or Uint8Array');
  let body = key;
  const begin = key.indexOf(BEGIN);
  if (begin !== -1) {
    const end = key.indexOf(END, begin + BEGIN.length);
    if (end === -1) throw new InvalidKeyError(position, 'PEM armour without an END line');
    body = key.slice(begin + BEGIN.length, end);
  }
  if (body.includes('-----')) throw new InvalidKeyError(position, 'unexpected PEM armour');
  const compact = body.replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64.test(compact)) throw new InvalidKeyError(position, 'not base64');
  return compact;
}

/** The seed's flat root over `keys` (PEM strings, bare base64 or DER bytes): lowercase hex. */
export function flatRoot(keys: readonly (string | Uint8Array)[], hash: HashFunction = SHA3_256): string {
  const unique = [...new Set(keys.map((key, i) => normaliseKey(key, i)))];
  // Normalised keys are ASCII, where UTF-16 order (sort's default) is code-point order, as in the seed.
  unique.sort();
  return toHex(hash.hash(utf8.encode(unique.join(SEPARATOR))));
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
