// Name-map benchmark (docs/key-transparency.md, "The name map"): bulk build of a map of N names (default
// 100 000), insert cost, proof size and verify time, with the package's default SHA3-256 (native on Node).
//
//   cd packages/merkle && npx tsup && node ../../bench/merkle/name-map.mjs [names]
//
// Keys are mapKeyOfFoldedName of distinct names; values are 32-byte leaf hashes. Imports the BUILT package.
import { availableParallelism, loadavg } from 'node:os';
import { mapKeyOfFoldedName, NameMap, SHA3_256, verifyMapProof } from '@leitung/merkle';

const NAMES = Number(process.argv[2] ?? 100_000);
const SAMPLES = 5_000;
const h = SHA3_256;

const pairs = Array.from({ length: NAMES }, (_, i) => ({
  key: mapKeyOfFoldedName(`user ${i}`, h),
  value: h.hash(new TextEncoder().encode(`entry ${i}`)),
}));

function time(fn) {
  const start = process.hrtime.bigint();
  const out = fn();
  return { out, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

const build = time(() => NameMap.build(pairs, h));
const map = build.out;

// Incremental inserts: the relay's path on every registration (path copying, O(depth)).
const extra = Array.from({ length: SAMPLES }, (_, i) => ({
  key: mapKeyOfFoldedName(`newcomer ${i}`, h),
  value: h.hash(new TextEncoder().encode(`new ${i}`)),
}));
let grown = map;
const insert = time(() => {
  for (const p of extra) grown = grown.set(p.key, p.value);
});

const proofs = Array.from({ length: SAMPLES }, (_, i) => {
  const key = i % 2 === 0 ? pairs[(i * 7919) % NAMES].key : mapKeyOfFoldedName(`absent ${i}`, h);
  return { key, proof: map.prove(key) };
});
const root = map.root();
const bytesOf = (p) => p.siblings.length * 32 + 1 + (p.terminal.kind === 'leaf' ? 64 : 0);
const sizes = proofs.map((p) => p.proof.siblings.length).sort((a, b) => a - b);
const avgBytes = proofs.reduce((s, p) => s + bytesOf(p.proof), 0) / proofs.length;
const verify = time(() => {
  for (const p of proofs) verifyMapProof({ root, key: p.key, proof: p.proof }, h);
});
const prove = time(() => {
  for (const p of proofs) map.prove(p.key);
});

console.log(
  `name map, ${NAMES} names, node ${process.version}, ${availableParallelism()} cpus, load ${loadavg()[0].toFixed(2)}`,
);
console.log(`build (sorted bulk)      ${build.ms.toFixed(0)} ms`);
console.log(`insert                   ${((insert.ms * 1000) / SAMPLES).toFixed(1)} µs each`);
console.log(`prove                    ${((prove.ms * 1000) / SAMPLES).toFixed(1)} µs each`);
console.log(`verify                   ${((verify.ms * 1000) / SAMPLES).toFixed(1)} µs each`);
console.log(
  `proof siblings           median ${sizes[sizes.length >> 1]}, max ${sizes.at(-1)} (log2 n = ${Math.log2(NAMES).toFixed(1)})`,
);
console.log(`proof bytes (siblings + terminal)  average ${avgBytes.toFixed(0)}`);
