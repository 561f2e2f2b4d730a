/**
 * Runs in Chromium (test/browser-crypto.test.ts bundles it for the browser): the portable backend and
 * WebCrypto RSA against the Wycheproof RSA-4096 files, an identity generated in the page for Node to
 * check, the Wycheproof symmetric and X25519 files on Chromium's WebCrypto, which X25519 implementation
 * the page got, and packets and control frames sealed and opened by the asynchronous ciphers for Node's
 * native backend to compare (docs/crypto.md §12 "In a real browser"). Only this package's browser entry
 * is imported, so the bundle step fails if it reaches a Node module.
 */
import {
  CryptoError,
  createCrypto,
  fromHex,
  portableBackend,
  webCryptoMessageCipher,
  webCryptoPacketCipher,
  webCryptoRsa,
  webCryptoSymmetric,
  webCryptoX25519,
} from '../../src/portable.js';
import {
  type AesFile,
  aesCbcVectors,
  type HkdfFile,
  type HmacFile,
  hkdfVectors,
  hmacVectors,
  type VectorOutcome,
  type X25519File,
  x25519Vectors,
} from '../web-crypto-vectors.js';

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

/** The Wycheproof symmetric and X25519 files on this page's WebCrypto (test/web-crypto-vectors.ts). */
async function symmetricVectors(kind: 'aes-cbc' | 'hmac' | 'hkdf' | 'x25519'): Promise<VectorOutcome> {
  const symmetric = webCryptoSymmetric();
  switch (kind) {
    case 'aes-cbc':
      return aesCbcVectors((await vectors('aes_cbc_pkcs5_test.json')) as unknown as AesFile, symmetric);
    case 'hmac':
      return hmacVectors((await vectors('hmac_sha256_test.json')) as unknown as HmacFile, symmetric);
    case 'hkdf':
      return hkdfVectors((await vectors('hkdf_sha256_test.json')) as unknown as HkdfFile, symmetric);
    case 'x25519':
      return x25519Vectors(
        (await vectors('x25519_test.json')) as unknown as X25519File,
        webCryptoX25519(),
        (raw) => crypto.importX25519PrivateKey(raw),
      );
  }
}

/** Which X25519 the page's agreements use, and — asked independently — whether the platform has one. */
async function x25519Path(): Promise<{
  implementation: string;
  platformHasX25519: boolean;
  userAgent: string;
}> {
  const platformHasX25519 = await globalThis.crypto.subtle
    .generateKey({ name: 'X25519' }, false, ['deriveBits'])
    .then(
      () => true,
      () => false,
    );
  return {
    implementation: await webCryptoX25519().implementation(),
    platformHasX25519,
    userAgent: (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent,
  };
}

/** A random source that hands out `source`'s bytes in order: the IVs Node chose, for identical output. */
function readerOf(source: Uint8Array): (length: number) => Uint8Array {
  let offset = 0;
  return (length) => {
    const out = source.slice(offset, offset + length);
    offset += length;
    return out;
  };
}

/** One packet or control frame: sequence number (packets), associated data, plaintext, as hex. */
export interface FrameInput {
  readonly seq: number;
  readonly ad: string;
  readonly plaintext: string;
}

/**
 * The asynchronous ciphers in the page, for Node to compare with its native ones: `frames` sealed (the
 * control frames with the IVs given), `nativeSealed` — what Node's native ciphers sealed for the same
 * frames — opened, and whether the portable synchronous ciphers in the page agree byte for byte.
 */
async function cipherRoundTrip(
  keyMaterial: string,
  encKey: string,
  macKey: string,
  ivs: string,
  frames: readonly FrameInput[],
  nativeSealed: { readonly packets: readonly string[]; readonly control: readonly string[] },
): Promise<{
  packets: string[];
  control: string[];
  openedPackets: string[];
  openedControl: string[];
  portableAgrees: boolean;
}> {
  const ivSource = fromHex(ivs);
  const randomBytes = readerOf(ivSource);
  const sealer = await webCryptoPacketCipher(fromHex(keyMaterial));
  const opener = await webCryptoPacketCipher(fromHex(keyMaterial));
  const control = await webCryptoMessageCipher(fromHex(encKey), fromHex(macKey), { randomBytes });
  const portable = createCrypto({ backend: portableBackend(), randomBytes: readerOf(ivSource) });
  const portablePackets = portable.createPacketCipher(fromHex(keyMaterial));
  const portableControl = portable.createMessageCipher(fromHex(encKey), fromHex(macKey));
  const out = { packets: [] as string[], control: [] as string[], openedPackets: [] as string[] };
  const openedControl: string[] = [];
  let portableAgrees = true;
  for (const [i, frame] of frames.entries()) {
    const [ad, plaintext] = [fromHex(frame.ad), fromHex(frame.plaintext)];
    const packet = await sealer.seal(frame.seq, ad, plaintext);
    const sealed = await control.seal(plaintext, ad);
    portableAgrees &&= same(packet, portablePackets.seal(frame.seq, ad, plaintext));
    portableAgrees &&= same(sealed, portableControl.seal(plaintext, ad));
    out.packets.push(toHex(packet));
    out.control.push(toHex(sealed));
    out.openedPackets.push(toHex(await opener.open(frame.seq, ad, fromHex(nativeSealed.packets[i]!))));
    openedControl.push(toHex(await control.open(fromHex(nativeSealed.control[i]!), ad)));
  }
  return { ...out, openedControl, portableAgrees };
}

const api = { oaep, pss, identity, privateOpMs, symmetricVectors, x25519Path, cipherRoundTrip };
export type CryptoPage = typeof api;
(globalThis as unknown as { leitungCrypto: CryptoPage }).leitungCrypto = api;
