// Key-directory log benchmark (docs/design.md §9: a directory of 1 M keys — proof ≤ 20 hashes (640 B),
// verify ≤ 100 µs, append ≥ 50 000 entries/s). Builds a 1 000 000-entry log twice, side by side: with the
// portable SHA3-256 (@noble/hashes, pure JS; the default where the platform has no SHA3) and with the
// package's default on Node (node:crypto's sha3-256 via process.getBuiltinModule).
//
//   cd packages/merkle && npx tsup && npm run bench
//   (= node --expose-gc ../../bench/merkle/run.mjs [entries])
//
// Entries are realistic: a 550-byte SPKI (the size of an RSA-4096 key), a 32-byte client id and a short
// name, so each leaf is about 640 bytes; "append" includes encodeEntry. Imports the BUILT package.
import { availableParallelism, loadavg } from 'node:os';
import {
  encodeEntry,
  MerkleLog,
  SHA3_256,
  SHA3_256_PORTABLE,
  verifyConsistency,
  verifyEntryInclusion,
  verifyInclusion,
} from '@leitung/merkle';

const ENTRIES = Number(process.argv[2] ?? 1_000_000);
const SAMPLES = 5_000;
const TARGETS = { proofHashes: 20, verifyUs: 100, appendPerSec: 50_000 };

// crypto.hash is node:crypto's one-shot form (Node ≥ 20.12), cheaper per call than createHash().
const configs = [
  { name: 'portable (noble) SHA3', hash: SHA3_256_PORTABLE },
  { name: 'default on Node (native)', hash: SHA3_256 },
];

// Deterministic pseudo-random numbers (xorshift32), so both runs see identical entries and queries.
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

const keyTemplate = new Uint8Array(550).map((_, i) => (i * 131 + 7) & 0xff);
function entryAt(i) {
  const publicKey = keyTemplate.slice();
  new DataView(publicKey.buffer).setUint32(40, i);
  const clientId = new Uint8Array(32);
  new DataView(clientId.buffer).setUint32(0, i);
  return { index: i, clientId, name: `user-${i}`, publicKey, time: 1_700_000_000_000 + i };
}

function gc() {
  if (globalThis.gc) {
    globalThis.gc();
    globalThis.gc();
  }
}

function memory() {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.arrayBuffers };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Median (and p99) wall time of `fn(i)` over `count` calls, in microseconds. */
function timeEach(count, fn) {
  const times = new Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return { median: median(times), p99: percentile(times, 0.99) };
}

function run(config) {
  gc();
  const before = memory();
  const log = new MerkleLog({ hash: config.hash });
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let leafBytes = 0;
  for (let i = 0; i < ENTRIES; i++) {
    const data = encodeEntry(entryAt(i));
    leafBytes += data.length;
    log.append(data);
  }
  const appendSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // CPU time as well: on a shared machine wall time includes waiting for a core.
  const cpu = process.cpuUsage(cpu0);
  const appendCpuSeconds = (cpu.user + cpu.system) / 1e6;
  gc();
  const after = memory();
  const root = log.root();

  const random = rng(12345);
  const leaves = Array.from({ length: SAMPLES }, () => Math.floor(random() * ENTRIES));
  const oldSizes = Array.from({ length: SAMPLES }, () => 1 + Math.floor(random() * (ENTRIES - 1)));

  const inclusionProofs = new Array(SAMPLES);
  const inclusionGen = timeEach(SAMPLES, (i) => {
    inclusionProofs[i] = log.inclusionProof(leaves[i]);
  });
  const consistencyProofs = new Array(SAMPLES);
  const consistencyGen = timeEach(SAMPLES, (i) => {
    consistencyProofs[i] = log.consistencyProof(oldSizes[i]);
  });
  const leafHashes = leaves.map((i) => log.leafHash(i));
  const oldRoots = oldSizes.map((m) => log.root(m));

  const inclusionVerify = timeEach(SAMPLES, (i) =>
    verifyInclusion(
      { index: leaves[i], size: ENTRIES, leafHash: leafHashes[i], proof: inclusionProofs[i], root },
      config.hash,
    ),
  );
  const head = { logId: new Uint8Array(32), size: ENTRIES, root, time: 0 };
  const entries = leaves.map(entryAt);
  const entryVerify = timeEach(SAMPLES, (i) =>
    verifyEntryInclusion({ entry: entries[i], proof: inclusionProofs[i], treeHead: head }, config.hash),
  );
  const consistencyVerify = timeEach(SAMPLES, (i) =>
    verifyConsistency(
      {
        oldSize: oldSizes[i],
        newSize: ENTRIES,
        oldRoot: oldRoots[i],
        newRoot: root,
        proof: consistencyProofs[i],
      },
      config.hash,
    ),
  );

  const inclusionLengths = inclusionProofs.map((p) => p.length);
  const consistencyLengths = consistencyProofs.map((p) => p.length);
  return {
    name: config.name,
    root: Buffer.from(root).toString('hex'),
    appendPerSec: ENTRIES / appendSeconds,
    appendPerCpuSec: ENTRIES / appendCpuSeconds,
    appendSeconds,
    leafBytes: leafBytes / ENTRIES,
    rssDelta: after.rss - before.rss,
    heapDelta: after.heap - before.heap,
    inclusionGen,
    consistencyGen,
    inclusionMax: Math.max(...inclusionLengths),
    inclusionMedian: median(inclusionLengths),
    consistencyMax: Math.max(...consistencyLengths),
    consistencyMedian: median(consistencyLengths),
    inclusionVerify,
    entryVerify,
    consistencyVerify,
  };
}

const MiB = 1024 * 1024;
const us = (x) => `${x.toFixed(1)} µs`;
const results = [];
console.log(
  `merkle bench: ${ENTRIES.toLocaleString('en')} entries, ${SAMPLES} samples per timing, Node ${process.version}, ` +
    `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores` +
    (globalThis.gc ? '' : ' (no --expose-gc: memory figures include garbage)'),
);
for (const config of configs) {
  process.stdout.write(`  building with ${config.name} … `);
  const r = run(config);
  console.log(`${r.appendSeconds.toFixed(1)} s`);
  results.push(r);
  gc();
}
if (results[0].root !== results[1].root)
  throw new Error('the two SHA3-256 implementations disagree on the root');

const [a, b] = results;
const rows = [
  [
    'append (encode + hash + store), entries per CPU-second',
    (r) => Math.round(r.appendPerCpuSec).toLocaleString('en'),
    (x, y) => y.appendPerCpuSec / x.appendPerCpuSec,
    `≥ ${TARGETS.appendPerSec.toLocaleString('en')}`,
    (r) => r.appendPerCpuSec >= TARGETS.appendPerSec,
  ],
  [
    'append, entries per wall-clock second',
    (r) => Math.round(r.appendPerSec).toLocaleString('en'),
    (x, y) => y.appendPerSec / x.appendPerSec,
  ],
  [
    'inclusion proof generation, median',
    (r) => us(r.inclusionGen.median),
    (x, y) => x.inclusionGen.median / y.inclusionGen.median,
  ],
  [
    'consistency proof generation, median',
    (r) => us(r.consistencyGen.median),
    (x, y) => x.consistencyGen.median / y.consistencyGen.median,
  ],
  [
    'inclusion proof size, max (median) hashes',
    (r) => `${r.inclusionMax} (${r.inclusionMedian}) = ${r.inclusionMax * 32} B`,
    () => 1,
    `≤ ${TARGETS.proofHashes} (640 B)`,
    (r) => r.inclusionMax <= TARGETS.proofHashes,
  ],
  [
    'consistency proof size, max (median) hashes',
    (r) => `${r.consistencyMax} (${r.consistencyMedian}) = ${r.consistencyMax * 32} B`,
    () => 1,
  ],
  [
    'verify inclusion (leaf hash given), median',
    (r) => us(r.inclusionVerify.median),
    (x, y) => x.inclusionVerify.median / y.inclusionVerify.median,
    `≤ ${TARGETS.verifyUs} µs`,
    (r) => r.inclusionVerify.median <= TARGETS.verifyUs,
  ],
  [
    'verify inclusion (leaf hash given), p99',
    (r) => us(r.inclusionVerify.p99),
    (x, y) => x.inclusionVerify.p99 / y.inclusionVerify.p99,
  ],
  [
    'verify entry inclusion (encode + leaf hash), median',
    (r) => us(r.entryVerify.median),
    (x, y) => x.entryVerify.median / y.entryVerify.median,
  ],
  [
    'verify consistency, median',
    (r) => us(r.consistencyVerify.median),
    (x, y) => x.consistencyVerify.median / y.consistencyVerify.median,
  ],
  ['memory after build: RSS delta', (r) => `${(r.rssDelta / MiB).toFixed(0)} MiB`, () => 1],
  ['memory after build: heap + ArrayBuffer delta', (r) => `${(r.heapDelta / MiB).toFixed(0)} MiB`, () => 1],
];

const header = ['measure', a.name, b.name, 'speed-up', 'target', 'met (default / node)'];
const table = rows.map(([label, show, ratio, target = '', met]) => [
  label,
  show(a),
  show(b),
  ratio(a, b) === 1 ? '—' : `${ratio(a, b).toFixed(1)}×`,
  target,
  met ? `${met(a) ? 'yes' : 'no'} / ${met(b) ? 'yes' : 'no'}` : '',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log();
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));
console.log();
console.log(
  `average leaf (encoded entry): ${a.leafBytes.toFixed(0)} bytes; both hashes give root ${a.root.slice(0, 16)}…`,
);
