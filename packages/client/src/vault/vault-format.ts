/**
 * The vault file format (docs/client.md "Vault format"), version 1:
 *
 *   header = "LEITVLT1" (8) ‖ version u8 = 1 ‖ kdf u8 = 1 (scrypt) ‖ N u32 ‖ r u32 ‖ p u32 ‖ salt (32)
 *   check  = HMAC-SHA256(checkKey, "leitung/v1 vault check")                       (32)
 *   body   = MessageCipher(encKey, macKey).seal(contents, associatedData = header ‖ check)
 *   digest = SHA-256(header ‖ check ‖ body)                                        (32)
 *
 *   master = scrypt(passphrase NFC, salt, N, r, p, 64)
 *   encKey ‖ macKey ‖ checkKey = HKDF-SHA256(master, salt, "leitung/v1 vault keys", 96)
 *
 * The unkeyed digest catches accidental damage anywhere (a flipped bit in the salt would otherwise look
 * like a wrong passphrase); the keyed check value then tells a wrong passphrase from a deliberately altered
 * file (check holds, body fails). The check gives an attacker nothing an offline guess against the body
 * tag would not. The header is associated
 * data, so changed scrypt parameters or salt are detected. AES-256-CBC + HMAC-SHA256 encrypt-then-MAC is
 * @leitung/crypto's message cipher (docs/design.md §7: "scrypt → AES-256 + HMAC").
 */
import type { LeitungCrypto, MessageCipher, ScryptParameters } from '@leitung/crypto';
import { ClientError, ClientErrorCode } from '../errors.js';

const MAGIC = new TextEncoder().encode('LEITVLT1');
const VERSION = 1;
const KDF_SCRYPT = 1;
export const SALT_BYTES = 32;
const CHECK_BYTES = 32;
const DIGEST_BYTES = 32;
export const HEADER_BYTES = MAGIC.length + 2 + 12 + SALT_BYTES;
const LABEL_KEYS = new TextEncoder().encode('leitung/v1 vault keys');
const LABEL_CHECK = new TextEncoder().encode('leitung/v1 vault check');

/** Work factors accepted from a file: enough for any sane setting, bounded against a crafted file (DoS). */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

/**
 * The floor on work factors (docs/client.md "SecureVault"): a vault is neither created nor opened below
 * N = 2^15, r = 8, p = 1 (32 MiB, ~90 ms per guess). A file header asking for less would make every
 * offline passphrase guess cheap, so `open` refuses it before deriving anything (CLIENT_ERR_VAULT_KDF_WEAK).
 */
export const MIN_SCRYPT: Readonly<ScryptParameters> = { N: 2 ** 15, r: 8, p: 1 };

/** CLIENT_ERR_VAULT_KDF_WEAK when `params` lie below {@link MIN_SCRYPT}. */
export function checkKdfFloor(params: ScryptParameters): void {
  if (params.N < MIN_SCRYPT.N || params.r < MIN_SCRYPT.r || params.p < MIN_SCRYPT.p) {
    throw new ClientError(
      ClientErrorCode.VaultKdfWeak,
      `vault key derivation below the floor (scrypt N=${params.N}, r=${params.r}, p=${params.p}; ` +
        `at least N=${MIN_SCRYPT.N}, r=${MIN_SCRYPT.r}, p=${MIN_SCRYPT.p})`,
    );
  }
}

export interface VaultHeader {
  readonly params: ScryptParameters;
  readonly salt: Uint8Array;
}

/** The keys derived from a passphrase; `destroy()` erases them. */
export class VaultKeys {
  readonly cipher: MessageCipher;
  readonly #check: Uint8Array;
  readonly #crypto: LeitungCrypto;

  constructor(crypto: LeitungCrypto, okm: Uint8Array) {
    this.#crypto = crypto;
    this.cipher = crypto.createMessageCipher(okm.slice(0, 32), okm.slice(32, 64));
    this.#check = okm.slice(64, 96);
    okm.fill(0);
  }

  checkValue(): Uint8Array {
    return this.#crypto.hmac('sha256', this.#check, LABEL_CHECK);
  }

  verifyCheck(value: Uint8Array): boolean {
    return this.#crypto.hmacVerify('sha256', this.#check, LABEL_CHECK, value, CHECK_BYTES);
  }

  destroy(): void {
    this.cipher.destroy();
    this.#check.fill(0);
  }
}

export async function deriveVaultKeys(
  crypto: LeitungCrypto,
  passphrase: string,
  header: VaultHeader,
): Promise<VaultKeys> {
  const master = await crypto.scrypt(passphrase, header.salt, { ...header.params, length: 64 });
  const okm = crypto.hkdf('sha256', master, header.salt, LABEL_KEYS, 96);
  master.fill(0);
  return new VaultKeys(crypto, okm);
}

export function encodeHeader(header: VaultHeader): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[8] = VERSION;
  out[9] = KDF_SCRYPT;
  view.setUint32(10, header.params.N);
  view.setUint32(14, header.params.r);
  view.setUint32(18, header.params.p);
  out.set(header.salt, 22);
  return out;
}

/** Parses the fixed part of a vault file; CLIENT_ERR_VAULT_CORRUPT for anything else. */
export function decodeVaultFile(
  crypto: LeitungCrypto,
  bytes: Uint8Array,
): {
  header: VaultHeader;
  associatedData: Uint8Array;
  check: Uint8Array;
  body: Uint8Array;
} {
  if (
    bytes.length < HEADER_BYTES + CHECK_BYTES + DIGEST_BYTES + 1 ||
    !MAGIC.every((b, i) => bytes[i] === b)
  ) {
    throw corrupt('not a Leitung vault file');
  }
  const end = bytes.length - DIGEST_BYTES;
  const digest = crypto.sha256(bytes.subarray(0, end));
  if (!digest.every((b, i) => bytes[end + i] === b)) throw corrupt('vault file is damaged (digest mismatch)');
  if (bytes[8] !== VERSION || bytes[9] !== KDF_SCRYPT) throw corrupt('unsupported vault version');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const N = view.getUint32(10);
  const r = view.getUint32(14);
  const p = view.getUint32(18);
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || r < 1 || r > MAX_R || p < 1 || p > MAX_P) {
    throw corrupt('vault key-derivation parameters out of range');
  }
  checkKdfFloor({ N, r, p });
  const salt = bytes.slice(22, 22 + SALT_BYTES);
  return {
    header: { params: { N, r, p }, salt },
    associatedData: bytes.slice(0, HEADER_BYTES + CHECK_BYTES),
    check: bytes.slice(HEADER_BYTES, HEADER_BYTES + CHECK_BYTES),
    body: bytes.slice(HEADER_BYTES + CHECK_BYTES, end),
  };
}

/** The whole file for `contents` under `keys`. */
export function encodeVaultFile(
  crypto: LeitungCrypto,
  header: VaultHeader,
  keys: VaultKeys,
  contents: Uint8Array,
): Uint8Array {
  const head = encodeHeader(header);
  const check = keys.checkValue();
  const associatedData = new Uint8Array(head.length + check.length);
  associatedData.set(head, 0);
  associatedData.set(check, head.length);
  const body = keys.cipher.seal(contents, associatedData);
  const out = new Uint8Array(associatedData.length + body.length + DIGEST_BYTES);
  out.set(associatedData, 0);
  out.set(body, associatedData.length);
  out.set(
    crypto.sha256(out.subarray(0, associatedData.length + body.length)),
    associatedData.length + body.length,
  );
  return out;
}

export function corrupt(message: string, cause?: unknown): ClientError {
  return new ClientError(ClientErrorCode.VaultCorrupt, message, cause === undefined ? undefined : { cause });
}
