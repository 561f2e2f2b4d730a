/**
 * Loads the transparency-dev/merkle test vectors (RFC 6962/9162 hashing, SHA-256, base64 fields) from
 * ../shared/vectors beside the repository. They are never copied into the repository; where the folder
 * is absent, the suites that need them skip with a one-line notice.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const VECTOR_DIR = join(REPO_ROOT, '..', 'shared', 'vectors', 'merkle-rfc6962');
export const VECTORS_PRESENT = existsSync(VECTOR_DIR);

let warned = false;
/** Prints the skip notice once per test file. */
export function warnIfAbsent(): void {
  if (!VECTORS_PRESENT && !warned) {
    warned = true;
    console.warn(`merkle-rfc6962 vectors not found at ${VECTOR_DIR}: skipping the RFC vector tests`);
  }
}

export interface VectorFile {
  /** Path relative to the vector folder, e.g. `inclusion/1/happy-path.json`. */
  readonly name: string;
  readonly data: Record<string, unknown>;
}

/** Every JSON file under `folder` (e.g. "inclusion"), sorted by path. */
export function loadVectors(folder: string): VectorFile[] {
  if (!VECTORS_PRESENT) return [];
  const out: VectorFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.json')) {
        out.push({ name: relative(VECTOR_DIR, path), data: JSON.parse(readFileSync(path, 'utf8')) });
      }
    }
  };
  walk(join(VECTOR_DIR, folder));
  return out;
}

export function b64(value: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(String(value ?? ''), 'base64'));
}

/** A proof field: null in the JSON means "no hashes". */
export function b64List(value: unknown): Uint8Array[] {
  return Array.isArray(value) ? value.map(b64) : [];
}

export function num(value: unknown): number {
  return Number(value);
}

/** The 8 leaves of the reference tree the vectors are built on (their SOURCE file). */
export const REFERENCE_LEAVES_HEX = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
