import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enumOf, list, type Schema, struct, u8, utf8, variant } from '../src/codec/schema.js';
import { FIELD_LIMITS, MESSAGE_SENDER, MessageType, WIRE_ERROR_CODES } from '../src/index.js';
import { MESSAGE_DEFINITIONS } from '../src/messages/catalogue.js';

const packageRoot = join(import.meta.dirname, '..');
const repoRoot = join(packageRoot, '..', '..');

/** Every field name, variant tag and discriminant in a schema, with its path. */
function fieldNames(schema: Schema, path: string): string[] {
  switch (schema.kind) {
    case 'optional':
      return fieldNames(schema.inner, path);
    case 'list':
      return fieldNames(schema.item, `${path}[]`);
    case 'struct':
      return Object.entries(schema.fields).flatMap(([name, field]) => [
        `${path}.${name}`,
        ...fieldNames(field, `${path}.${name}`),
      ]);
    case 'variant':
      return [
        `${path}.${schema.discriminant}`,
        ...schema.tags.flatMap((tag) => [`${path}<${tag}>`, ...fieldNames(schema.variants[tag]!, path)]),
      ];
    default:
      return [];
  }
}

/** Words that would reveal where a client is (docs/design.md §3.6, docs/lessons.md #21). */
const LOCATION_WORDS = new Set([
  'address',
  'addr',
  'ip',
  'ipv4',
  'ipv6',
  'port',
  'host',
  'hostname',
  'endpoint',
  'socket',
  'mac',
]);

/** Names (of the last path segment) made of a location word, split at camelCase, '_' and '-'. */
function locationFields(paths: readonly string[]): string[] {
  return paths.filter((path) => {
    const last =
      path
        .split(/[.<>[\]]+/)
        .filter(Boolean)
        .at(-1) ?? '';
    const words = last
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[\s_-]+/);
    return words.some((w) => LOCATION_WORDS.has(w));
  });
}

describe('catalogue', () => {
  it('assigns each message a distinct id in 1..255, and defines every MessageType', () => {
    const ids = MESSAGE_DEFINITIONS.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toBeGreaterThan(0);
    for (const id of ids) expect(id).toBeLessThan(256);
    expect(MESSAGE_DEFINITIONS.map((d) => d.name).sort()).toEqual(Object.keys(MessageType).sort());
    for (const d of MESSAGE_DEFINITIONS) expect(MessageType[d.name]).toBe(d.id);
    expect(Object.keys(MESSAGE_SENDER).sort()).toEqual(Object.keys(MessageType).sort());
  });

  it('has no field named like an address, IP, port or host anywhere', () => {
    const all = MESSAGE_DEFINITIONS.flatMap((d) => fieldNames(d.schema, d.name));
    expect(all.length).toBeGreaterThan(80);
    expect(locationFields(all)).toEqual([]);
  });

  it('the location check catches such a field, however deeply nested', () => {
    const leaky = struct({
      ok: u8,
      contacts: list(struct({ name: utf8(8), relayAddress: utf8(8) }), 2),
      target: variant('by', { host: struct({ x: u8 }), id: struct({ mediaPort: u8 }) }),
      kind: enumOf(['a']),
      remote_ip: u8,
    });
    expect(locationFields(fieldNames(leaky, 'X'))).toEqual([
      'X.contacts[].relayAddress',
      'X.target<host>',
      'X.target.mediaPort',
      'X.remote_ip',
    ]);
  });

  it('keeps every limit within what a u16 length prefix can carry', () => {
    for (const value of Object.values(FIELD_LIMITS)) expect(value).toBeLessThanOrEqual(0xffff);
  });
});

describe('documentation', () => {
  const protocol = readFileSync(join(repoRoot, 'docs', 'protocol.md'), 'utf8');
  const errors = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8');

  it('docs/protocol.md lists every message with its id and sender, and every field', () => {
    for (const d of MESSAGE_DEFINITIONS) {
      const hex = `0x${d.id.toString(16).padStart(2, '0')}`;
      expect(protocol, d.name).toMatch(
        new RegExp(`\\|\\s*\`${hex}\`\\s*\\|\\s*\`${d.name}\`\\s*\\|\\s*${d.sender}\\b`),
      );
      for (const name of fieldNames(d.schema, '')) {
        const last = name
          .split(/[.<>[\]]+/)
          .filter(Boolean)
          .at(-1)!;
        expect(protocol, `${d.name}${name}`).toContain(`\`${last}\``);
      }
    }
  });

  it('docs/errors.md and docs/protocol.md list every error code', () => {
    for (const code of WIRE_ERROR_CODES) {
      expect(errors, code).toContain(`\`${code}\``);
      expect(protocol, code).toContain(`\`${code}\``);
    }
  });

  it('every code raised in src is in WIRE_ERROR_CODES', () => {
    const raised = new Set<string>();
    for (const file of sourceFiles()) {
      for (const match of readFileSync(file, 'utf8').matchAll(/'(WIRE_ERR_[A-Z_]+)'/g)) raised.add(match[1]!);
    }
    expect([...raised].sort()).toEqual([...WIRE_ERROR_CODES].sort());
  });
});

function sourceFiles(dir = join(packageRoot, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('portability', () => {
  it('src imports only its own modules: no node:* built-ins, no packages (runs in browsers)', () => {
    for (const file of sourceFiles()) {
      // Comments may mention Buffer or Node; only code counts.
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const match of text.matchAll(
        /\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'|\brequire\(\s*'([^']+)'/g,
      )) {
        const target = match[1] ?? match[2] ?? match[3]!;
        expect(target, file).toMatch(/^\.\.?\//);
      }
      expect(text, file).not.toMatch(/\b(Buffer|process|globalThis\.require)\b/);
    }
  });

  it('has no runtime dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies ?? {}).toEqual({});
  });
});
