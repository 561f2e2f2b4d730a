/**
 * Runs in Chromium (test/browser-crypto.test.ts bundles it for the browser): the portable backend and
 * WebCrypto RSA against the Wycheproof RSA-4096 files, and an identity generated in the page for Node to
 * check (docs/crypto.md §12 "In a real browser"). Only this package's browser entry is imported, so the
 * bundle step fails if it reaches a Node module.
 */
import { CryptoError, createCrypto, portableBackend, webCryptoRsa } from '../../src/portable.js';

interface Case {
  readonly tcId: number;
  readonly result: 'valid' | 'invalid' | 'acceptable';
  readonly msg: string;
  readonly ct?: string;
  readonly label?: string;
  readonly sig?: string;
}
interface Group {
  readonly privateKeyPkcs8?: string;
  readonly publicKeyDer?: string;
  readonly tests: readonly Case[];
}
interface VectorFile {
  readonly numberOfTests: number;
  readonly testGroups: readonly Group[];
}

/** What one implementation did with one file: cases run, cases that disagreed, distinct failure texts. */
export interface FileOutcome {
  readonly cases: number;
  readonly mismatches: number[];
  readonly failureTexts: string[];
}

const hex = (text: string): Uint8Array =>
  Uint8Array.from(text.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const same = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
const failureText = (error: unknown): string =>
  error instanceof CryptoError ? `${error.code} ${error.message}` : `not a CryptoError: ${String(error)}`;

async function vectors(name: string): Promise<VectorFile> {
  const response = await fetch(`/vectors/${name}`);
  return (await response.json()) as VectorFile;
}

const crypto = createCrypto({ backend: portableBackend() });
const webRsa = webCryptoRsa();

async function oaep(kind: 'portable' | 'webcrypto'): Promise<FileOutcome> {
  const file = await vectors('rsa_oaep_4096_sha256_mgf1sha256_test.json');
  const group = file.testGroups[0]!;
  const mismatches: number[] = [];
  const texts = new Set<string>();
  const decrypt =
    kind === 'portable'
      ? (() => {
          const key = crypto.importRsaPrivateKey(hex(group.privateKeyPkcs8!));
          return async (ct: Uint8Array, label: Uint8Array) => crypto.rsaDecrypt(key, ct, label);
        })()
      : await (async () => {
          const key = await webRsa.importPrivate(hex(group.privateKeyPkcs8!));
          return (ct: Uint8Array, label: Uint8Array) => webRsa.oaepDecrypt(key, ct, label);
        })();
  for (const t of group.tests) {
    try {
      const plain = await decrypt(hex(t.ct!), hex(t.label!));
      if (t.result !== 'valid' || !same(plain, hex(t.msg))) mismatches.push(t.tcId);
    } catch (error) {
      texts.add(failureText(error));
      if (t.result === 'valid') mismatches.push(t.tcId);
    }
  }
  return { cases: group.tests.length, mismatches, failureTexts: [...texts] };
}

async function pss(kind: 'portable' | 'webcrypto'): Promise<FileOutcome> {
  const file = await vectors('rsa_pss_4096_sha256_mgf1_32_test.json');
  const mismatches: number[] = [];
  let cases = 0;
  for (const group of file.testGroups) {
    const der = hex(group.publicKeyDer!);
    const verify =
      kind === 'portable'
        ? (() => {
            const key = crypto.importRsaPublicKey(der);
            return async (m: Uint8Array, s: Uint8Array) => crypto.verify(key, m, s);
          })()
        : await (async () => {
            const key = await webRsa.importPublic(der);
            return (m: Uint8Array, s: Uint8Array) => webRsa.pssVerify(key, m, s);
          })();
    for (const t of group.tests) {
      cases++;
      if ((await verify(hex(t.msg), hex(t.sig!))) !== (t.result === 'valid')) mismatches.push(t.tcId);
    }
  }
  return { cases, mismatches, failureTexts: [] };
}

/** An identity made in the page the way a first run makes it, for Node's import checks and verification. */
async function identity(): Promise<{ spki: string; signature: string; message: string; progress: string[] }> {
  const progress: string[] = [];
  const pair = await crypto.generateRsaKeyPair({
    onProgress: (p) => progress.push(p.phase),
    progressIntervalMs: 50,
  });
  const message = new TextEncoder().encode('made in the page');
  const signature = crypto.sign(pair.privateKey, message);
  return {
    spki: toHex(pair.publicKey.toDer()),
    signature: toHex(signature),
    message: toHex(message),
    progress,
  };
}

/** Median wall-clock ms of `n` private operations (after one warm-up), BigInt RSA and WebCrypto. */
async function privateOpMs(n: number): Promise<{ portableSign: number; webCryptoSign: number }> {
  const file = await vectors('rsa_oaep_4096_sha256_mgf1sha256_test.json');
  const der = hex(file.testGroups[0]!.privateKeyPkcs8!);
  const key = crypto.importRsaPrivateKey(der);
  const webKey = await webRsa.importPrivate(der);
  const message = new Uint8Array(64);
  const median = async (op: () => unknown): Promise<number> => {
    await op();
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      await op();
      times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
  };
  return {
    portableSign: await median(() => crypto.sign(key, message)),
    webCryptoSign: await median(() => webRsa.pssSign(webKey, message)),
  };
}

const api = { oaep, pss, identity, privateOpMs };
export type CryptoPage = typeof api;
(globalThis as unknown as { leitungCrypto: CryptoPage }).leitungCrypto = api;
