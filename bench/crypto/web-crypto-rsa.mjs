// RSA-4096 through WebCrypto next to the native and portable backends, in one run (docs/benchmarks.md
// "WebCrypto RSA"): what a page's RSA would cost if it ran on the platform's WebCrypto instead of
// node-forge. The portable backend's private operations run on BigInt (docs/crypto.md "Portable RSA");
// node-forge's own private operation is the last column, the portable backend's previous cost. Node's WebCrypto has the browsers' API but not their implementation (it is OpenSSL on
// libuv's thread pool), so this shows the API's overhead over the synchronous native calls and the gap to
// node-forge, not a browser's figures.
//
//   npx turbo run build --filter=@leitung/crypto && node bench/crypto/web-crypto-rsa.mjs [--quick]
//
// Wall-clock latency per operation, one at a time (each awaited), median of N; key generation median of 3.
import { createCrypto, nativeBackend, portableBackend, webCryptoRsa } from '@leitung/crypto';
import forge from 'node-forge';
import { testKeyPair } from '../../scripts/test-keys.mjs';

const QUICK = process.argv.includes('--quick');
const N = QUICK ? 10 : 40;
const N_FORGE = 3;
const KEYGENS = QUICK ? 2 : 4;

const native = createCrypto({ backend: nativeBackend() });
const portable = createCrypto({ backend: portableBackend() });
const web = webCryptoRsa();
const pem = await testKeyPair('alice');
const nativePriv = native.importRsaPrivateKey(pem.privateKeyPem);
const nativePub = native.importRsaPublicKey(pem.publicKeyPem);
const portablePriv = portable.importRsaPrivateKey(pem.privateKeyPem);
const portablePub = portable.importRsaPublicKey(pem.publicKeyPem);
const webPriv = await web.importPrivate(nativePriv.toPkcs8Der());
const webPub = await web.importPublic(nativePub.toDer());

const label = new Uint8Array(0);
const message = new Uint8Array(1024).fill(7);
const secret = new Uint8Array(32).fill(9);
const signature = native.sign(nativePriv, message);
const ciphertext = native.rsaEncrypt(nativePub, secret, label);

// node-forge alone, with the protocol's parameters (OAEP and PSS with SHA-256, MGF1-SHA-256, salt 32).
const forgeKey = forge.pki.privateKeyFromPem(pem.privateKeyPem);
const binary = (bytes) => Buffer.from(bytes).toString('binary');
const forgeSign = () => {
  const md = forge.md.sha256.create();
  md.update(binary(message));
  const pss = forge.pss.create({
    md: forge.md.sha256.create(),
    mgf: forge.mgf.mgf1.create(forge.md.sha256.create()),
    saltLength: 32,
  });
  return forgeKey.sign(md, pss);
};
const forgeDecrypt = () =>
  forgeKey.decrypt(binary(ciphertext), 'RSA-OAEP', {
    md: forge.md.sha256.create(),
    mgf1: { md: forge.md.sha256.create() },
    label: '',
  });

async function median(n, op) {
  await op();
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const rows = [
  [
    'PSS sign',
    await median(N, () => native.sign(nativePriv, message)),
    await median(N, () => web.pssSign(webPriv, message)),
    await median(N, () => portable.sign(portablePriv, message)),
    await median(N_FORGE, forgeSign),
  ],
  [
    'PSS verify',
    await median(N, () => native.verify(nativePub, message, signature)),
    await median(N, () => web.pssVerify(webPub, message, signature)),
    await median(N, () => portable.verify(portablePub, message, signature)),
    undefined,
  ],
  [
    'OAEP encrypt',
    await median(N, () => native.rsaEncrypt(nativePub, secret, label)),
    await median(N, () => web.oaepEncrypt(webPub, secret, label)),
    await median(N, () => portable.rsaEncrypt(portablePub, secret, label)),
    undefined,
  ],
  [
    'OAEP decrypt',
    await median(N, () => native.rsaDecrypt(nativePriv, ciphertext, label)),
    await median(N, () => web.oaepDecrypt(webPriv, ciphertext, label)),
    await median(N, () => portable.rsaDecrypt(portablePriv, ciphertext, label)),
    await median(N_FORGE, forgeDecrypt),
  ],
  [
    'key generation (RSA-4096)',
    await median(KEYGENS - 1, () => native.generateRsaKeyPair()),
    await median(KEYGENS - 1, () => web.generate()),
    undefined,
    undefined,
  ],
];

const ms = (x) => (x === undefined ? '—' : x.toFixed(2));
const ratio = (a, b) => (a === undefined || b === undefined ? '—' : (a / b).toFixed(2));
console.log(
  `\nRSA-4096, median ms per operation (N = ${N}; forge private ops N = ${N_FORGE}; key generation 1 + ${KEYGENS - 1})\n`,
);
console.log(
  '| operation                 | native | WebCrypto | portable | forge alone | WebCrypto/native | portable/native | forge/portable |',
);
console.log(
  '| ------------------------- | ------ | --------- | -------- | ----------- | ---------------- | --------------- | -------------- |',
);
for (const [name, n, w, p, f] of rows) {
  console.log(
    `| ${name.padEnd(25)} | ${ms(n).padStart(6)} | ${ms(w).padStart(9)} | ${ms(p).padStart(8)} | ${ms(f).padStart(11)} | ${ratio(w, n).padStart(16)} | ${ratio(p, n).padStart(15)} | ${ratio(f, p).padStart(14)} |`,
  );
}
