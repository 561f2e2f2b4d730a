#!/usr/bin/env node
// Adds up the vitest JSON reports written by every suite of the last `npm test` run and prints one
// closing line, "N passed, N failed, N skipped", so CI and humans see the whole run's total at a glance.
// Failed tests are named after it, each with the first line of its failure: a CI log that keeps only its
// tail still says which test failed and how.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const reports = [join(root, 'tests', 'test-results', 'vitest.json')];
for (const group of ['packages', 'examples']) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  for (const name of readdirSync(base)) reports.push(join(base, name, 'test-results', 'vitest.json'));
}
let passed = 0;
let failed = 0;
let skipped = 0;
let suites = 0;
const failures = [];
for (const file of reports) {
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  suites += 1;
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  for (const suite of r.testResults ?? []) {
    const path = relative(root, suite.name ?? file);
    for (const test of suite.assertionResults ?? []) {
      if (test.status !== 'failed') continue;
      const first = String(test.failureMessages?.[0] ?? '').split('\n')[0];
      failures.push(`  ✗ ${path} > ${test.fullName ?? test.title}\n      ${first.slice(0, 300)}`);
    }
    if ((suite.assertionResults ?? []).length === 0 && suite.status === 'failed') {
      const first = String(suite.message ?? '').split('\n')[0];
      failures.push(`  ✗ ${path}: ${first.slice(0, 300)}`);
    }
  }
}
console.log(`\n${suites} test suites reported`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failures.length > 0) console.log(`failed:\n${failures.join('\n')}`);
process.exit(failed > 0 || suites === 0 ? 1 : 0);
