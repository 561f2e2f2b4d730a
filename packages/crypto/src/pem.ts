/**
 * PEM (RFC 7468 §2, strict form): one block, a known label, base64 body in lines, nothing else.
 * Explanatory text and RFC 1421 headers (e.g. "Proc-Type", the legacy OpenSSL encryption) are refused.
 */
import { CryptoError, CryptoErrorCode, invalidArgument } from './errors.js';

/** PEM labels read and written: SPKI, PKCS#8 and encrypted PKCS#8 (docs/crypto.md §3, §3.1). */
export type PemLabel = 'PUBLIC KEY' | 'PRIVATE KEY' | 'ENCRYPTED PRIVATE KEY';

const LINE = 64;

/** Strict PEM text (RFC 7468 §2) of `der` under `label`: base64 in 64-character lines, newline-terminated. */
export function encodePem(label: PemLabel, der: Uint8Array): string {
  let binary = '';
  for (const b of der) binary += String.fromCharCode(b);
  const body = btoa(binary);
  const lines: string[] = [];
  for (let i = 0; i < body.length; i += LINE) lines.push(body.slice(i, i + LINE));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const PEM_BLOCK = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END \1-----$/;

/** DER bytes of the PEM block labelled `label`; CRYPTO_ERR_KEY_FORMAT for anything else. */
export function decodePem(text: string, label: PemLabel): Uint8Array {
  if (typeof text !== 'string') throw invalidArgument('PEM input must be a string');
  const match = PEM_BLOCK.exec(text.trim());
  if (!match) throw new CryptoError(CryptoErrorCode.KeyFormat, 'not a single PEM block');
  if (match[1] !== label) throw new CryptoError(CryptoErrorCode.KeyFormat, `expected a PEM "${label}" block`);
  const body = match[2]!.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
    throw new CryptoError(CryptoErrorCode.KeyFormat, 'bad base64 in PEM body');
  }
  const binary = atob(body);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The label of a PEM block, if `text` is one. */
export function pemLabel(text: string): string | undefined {
  if (typeof text !== 'string') return undefined;
  return PEM_BLOCK.exec(text.trim())?.[1];
}
