/**
 * The Wycheproof symmetric and X25519 files run on the WebCrypto building blocks (docs/crypto.md
 * "WebCrypto symmetric operations"), written once for both places they run: Node's WebCrypto
 * (test/web-crypto-wycheproof.test.ts) and Chromium's (test/browser/crypto-page.ts). Each function takes a
 * parsed file and returns what happened — cases run, the tcIds that disagreed with the file — and the
 * tests assert on that; the case rules are those of test/wycheproof.test.ts for the synchronous backends.
 * Browser-safe: imports only the package's browser entry.
 */
import {
  CryptoError,
  CryptoErrorCode,
  fromHex,
  type WebCryptoSymmetric,
  type WebCryptoX25519,
  webCryptoMessageCipher,
  type X25519PrivateKey,
} from '../src/portable.js';

interface Case {
  readonly tcId: number;
  readonly result: 'valid' | 'invalid' | 'acceptable';
  readonly comment: string;
}
interface File<T extends Case, G = object> {
  readonly numberOfTests: number;
  readonly testGroups: readonly (G & { readonly tests: readonly T[] })[];
}
export type AesFile = File<Case & { key: string; iv: string; msg: string; ct: string }, { keySize: number }>;
export type HmacFile = File<Case & { key: string; msg: string; tag: string }, { tagSize: number }>;
export type HkdfFile = File<Case & { ikm: string; salt: string; info: string; size: number; okm: string }>;
export type X25519File = File<Case & { public: string; private: string; shared: string }>;

/** What one file did: cases run, tcIds that disagreed with the file, and what the failures looked like. */
export interface VectorOutcome {
  readonly cases: number;
  readonly mismatches: number[];
  /** Distinct `code message` texts of the refusals (the one-error rules of docs/crypto.md §5, §8). */
  readonly failureTexts: string[];
  /** AES key sizes in bits the platform does not offer (Chromium has no 192-bit AES); their cases did not run. */
  readonly unsupportedKeySizes: number[];
  /** Cases refused with CRYPTO_ERR_ZERO_SHARED_SECRET (X25519 only). */
  readonly zeroRefused: number;
}

const hex = (text: string): Uint8Array => fromHex(text);
const same = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
const failureText = (error: unknown): string =>
  error instanceof CryptoError ? `${error.code} ${error.message}` : `not a CryptoError: ${String(error)}`;

function outcome(
  cases: number,
  mismatches: number[],
  texts: Set<string>,
  extra: Partial<VectorOutcome> = {},
): VectorOutcome {
  return {
    cases,
    mismatches,
    failureTexts: [...texts].sort(),
    unsupportedKeySizes: [],
    zeroRefused: 0,
    ...extra,
  };
}

/**
 * AES-CBC-PKCS5: a valid case decrypts to the message and encrypts to the ciphertext, an invalid one does
 * not decrypt. Each 256-bit ciphertext is also wrapped in the message-cipher layout under a valid tag
 * (docs/crypto.md §5): an invalid one must fail as a flipped tag does, with the one CRYPTO_ERR_AUTH.
 */
export async function aesCbcVectors(file: AesFile, symmetric: WebCryptoSymmetric): Promise<VectorOutcome> {
  const mismatches: number[] = [];
  const texts = new Set<string>();
  const unsupportedKeySizes: number[] = [];
  const macKey = new Uint8Array(32).fill(0x5a);
  const mac = await symmetric.importHmacKey(macKey);
  let cases = 0;
  for (const group of file.testGroups) {
    try {
      await symmetric.importAesKey(hex(group.tests[0]!.key));
    } catch {
      unsupportedKeySizes.push(group.keySize);
      continue;
    }
    for (const t of group.tests) {
      cases++;
      const key = await symmetric.importAesKey(hex(t.key));
      const iv = hex(t.iv);
      const ct = hex(t.ct);
      const plain = await symmetric.aesCbcDecrypt(key, iv, ct);
      const right =
        t.result === 'valid'
          ? same(plain, hex(t.msg)) && same(await symmetric.aesCbcEncrypt(key, iv, hex(t.msg)), ct)
          : plain === undefined;
      if (!right) mismatches.push(t.tcId);
      if (group.keySize !== 256) continue;
      const cipher = await webCryptoMessageCipher(hex(t.key), macKey);
      const tag = await symmetric.hmac(mac, [new Uint8Array(8), iv, ct]);
      const sealed = new Uint8Array([...iv, ...ct, ...tag]);
      const tampered = Uint8Array.from(sealed);
      tampered[tampered.length - 1]! ^= 1;
      for (const input of t.result === 'valid' ? [tampered] : [sealed, tampered]) {
        await cipher.open(input).then(
          () => mismatches.push(t.tcId),
          (error: unknown) => texts.add(failureText(error)),
        );
      }
      if (t.result === 'valid' && !same(await cipher.open(sealed), hex(t.msg))) mismatches.push(t.tcId);
    }
  }
  return outcome(cases, mismatches, texts, { unsupportedKeySizes });
}

/** HMAC-SHA256: the verifier's tag length is the group's; valid tags verify and recompute, others do not. */
export async function hmacVectors(file: HmacFile, symmetric: WebCryptoSymmetric): Promise<VectorOutcome> {
  const mismatches: number[] = [];
  let cases = 0;
  for (const group of file.testGroups) {
    const tagLength = group.tagSize / 8;
    for (const t of group.tests) {
      cases++;
      const key = await symmetric.importHmacKey(hex(t.key));
      const verified = await symmetric.hmacVerify(key, hex(t.msg), hex(t.tag), tagLength);
      const recomputed = (await symmetric.hmac(key, hex(t.msg))).subarray(0, tagLength);
      const right = t.result === 'valid' ? verified && same(recomputed, hex(t.tag)) : !verified;
      if (!right) mismatches.push(t.tcId);
    }
  }
  return outcome(cases, mismatches, new Set());
}

/** HKDF-SHA256: valid cases give the listed output; invalid ones (oversize lengths) are CRYPTO_ERR_INVALID_ARGUMENT. */
export async function hkdfVectors(file: HkdfFile, symmetric: WebCryptoSymmetric): Promise<VectorOutcome> {
  const mismatches: number[] = [];
  const texts = new Set<string>();
  let cases = 0;
  for (const group of file.testGroups) {
    for (const t of group.tests) {
      cases++;
      try {
        const okm = await symmetric.hkdf(hex(t.ikm), hex(t.salt), hex(t.info), t.size);
        if (t.result !== 'valid' || !same(okm, hex(t.okm))) mismatches.push(t.tcId);
      } catch (error) {
        texts.add(failureText(error));
        const expected = error instanceof CryptoError && error.code === CryptoErrorCode.InvalidArgument;
        if (t.result === 'valid' || !expected) mismatches.push(t.tcId);
      }
    }
  }
  return outcome(cases, mismatches, texts);
}

/**
 * X25519 (docs/crypto.md §8): valid and acceptable cases give the listed secret, except the all-zero ones
 * (all `acceptable`), which are refused with CRYPTO_ERR_ZERO_SHARED_SECRET.
 */
export async function x25519Vectors(
  file: X25519File,
  x25519: WebCryptoX25519,
  importKey: (raw: Uint8Array) => X25519PrivateKey,
): Promise<VectorOutcome> {
  const mismatches: number[] = [];
  const texts = new Set<string>();
  let cases = 0;
  let zeroRefused = 0;
  for (const group of file.testGroups) {
    for (const t of group.tests) {
      cases++;
      const key = importKey(hex(t.private));
      const zero = /^(00)+$/.test(t.shared);
      try {
        const shared = await x25519.sharedSecret(key, hex(t.public));
        if (zero || !same(shared, hex(t.shared))) mismatches.push(t.tcId);
      } catch (error) {
        texts.add(failureText(error));
        const refused = error instanceof CryptoError && error.code === CryptoErrorCode.ZeroSharedSecret;
        if (zero && refused && t.result === 'acceptable') zeroRefused++;
        else mismatches.push(t.tcId);
      } finally {
        key.destroy();
      }
    }
  }
  return outcome(cases, mismatches, texts, { zeroRefused });
}
