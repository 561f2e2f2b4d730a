/**
 * Structure rules of @leitung/crypto (docs/crypto.md), checked on the source: core modules import nothing from `node:*` (only the
 * native backend and the Node entry may), the portable entry cannot reach node:crypto, and no code path
 * selects RSA PKCS#1 v1.5 encryption padding.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');
const NODE_ALLOWED = new Set(['backends/node.ts', 'index.ts']);

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return [...text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      visit(relative(SRC, resolve(SRC, file, '..', spec.replace(/\.js$/, '.ts'))));
    }
  };
  visit(entry);
  return seen;
}

const isNodeBuiltin = (spec: string) =>
  spec.startsWith('node:') || ['crypto', 'fs', 'buffer', 'os'].includes(spec);

describe('package structure', () => {
  it('only the native backend and the Node entry import node:*', () => {
    const offenders = sources()
      .filter((file) => !NODE_ALLOWED.has(file))
      .filter((file) => importsOf(file).some(isNodeBuiltin));
    expect(offenders).toEqual([]);
    expect(importsOf('backends/node.ts').some(isNodeBuiltin)).toBe(true);
  });

  it('the portable entry does not reach the native backend', () => {
    const graph = reachable('portable.ts');
    expect(graph.has('backends/portable.ts')).toBe(true);
    expect(graph.has('backends/node.ts')).toBe(false);
    expect([...graph].filter((f) => importsOf(f).some(isNodeBuiltin))).toEqual([]);
    expect(reachable('index.ts').has('backends/node.ts')).toBe(true);
  });

  it('no source selects PKCS#1 v1.5 encryption padding (docs/lessons.md #5)', () => {
    const forbidden = /RSA_PKCS1_PADDING|RSAES-PKCS1-V1_5|RSA_NO_PADDING|'RAW'|"RAW"/;
    const offenders = sources().filter((file) => forbidden.test(readFileSync(join(SRC, file), 'utf8')));
    expect(offenders).toEqual([]);
    // The portable backend pads with forge's OAEP encoder and decoder around its BigInt operations
    // (docs/crypto.md "Portable RSA"); any forge encrypt/decrypt call must name OAEP (forge defaults to
    // PKCS#1 v1.5).
    const portable = readFileSync(join(SRC, 'backends/portable.ts'), 'utf8');
    const calls = [...portable.matchAll(/\.(encrypt|decrypt)\(([\s\S]{0,80})/g)].map((m) => m[2]!);
    for (const call of calls) expect(call).toContain("'RSA-OAEP'");
    expect(portable).toMatch(/\.encode_rsa_oaep\(/);
    expect(portable).toMatch(/\.decode_rsa_oaep\(\s*key,\s*toBinaryString\(em\)/);
    expect(portable).not.toMatch(/rsa_pkcs|Pkcs1_v1_5/);
  });
});
