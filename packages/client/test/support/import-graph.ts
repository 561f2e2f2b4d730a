/**
 * A walk of the import graph of the sources (docs/client.md "In a browser"): from one file of this package,
 * through relative imports and into the sources of workspace packages — resolved as a browser bundler
 * resolves them, through the package's `exports` with the `browser` condition first (`@leitung/crypto` →
 * its portable entry) — collecting what a web page could not load: node:* modules and
 * bare Node builtins ('fs', 'net/…'), uses of Node's `Buffer` global, and calls only Node's runtime has
 * (`process.…`, `setImmediate(…)`, a timer's `.unref()`; the guarded forms of shell/event-loop.ts pass). Third-party packages are listed,
 * not entered: a browser bundle of the build (esbuild, platform browser) checks inside them.
 * Type-only imports are skipped: they are erased at build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const PACKAGES = resolve(import.meta.dirname, '..', '..', '..');
const SRC = resolve(import.meta.dirname, '..', '..', 'src');
/** Import and re-export statements; group 1 is `type` for type-only ones, group 2 the specifier. */
const IMPORT = /^(?:import|export)\s+(type\s)?[^'"]*?from\s+['"]([^'"]+)['"]/gm;
/** Side-effect imports (`import 'x'`); group 1 the specifier. */
const SIDE_EFFECT_IMPORT = /^import\s+['"]([^'"]+)['"]/gm;
/** Dynamic imports and `require` calls (looked for in code without comments); group 1 the specifier. */
const CALL_LOADS = [/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g];
const BUILTINS = new Set(builtinModules);
/** Calls a browser does not have: Node's `process`, `setImmediate`, and unguarded `.unref()` on a timer. */
const NODE_RUNTIME = /\bprocess\.|\bsetImmediate\(|\.unref\(\)/;

/** What {@link walkImports} found. */
export interface ImportGraph {
  /** Every source file reached, entry included. */
  readonly files: readonly string[];
  /** `file -> specifier` for each node:* module or bare Node builtin imported at run time. */
  readonly nodeModules: readonly string[];
  /** `file uses Buffer` for each file using the global outside comments. */
  readonly buffer: readonly string[];
  /** `file: code` for each call only Node's runtime has (outside comments). */
  readonly nodeRuntime: readonly string[];
  /** Third-party packages imported at run time (by package name), sorted. */
  readonly packages: readonly string[];
}

/** True for `node:x`, and for a bare builtin name or a path under one (`fs`, `fs/promises`). */
export function isNodeModule(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]!);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

type Conditions = string | { readonly [condition: string]: Conditions };

/** The file a condition map picks for an ESM import in a browser (`browser`, then `import`, then `default`). */
function pick(target: Conditions | undefined): string | undefined {
  if (target === undefined || typeof target === 'string') return target;
  return pick(target.browser ?? target.import ?? target.default);
}

/** The source file behind `@leitung/x[/sub]`: its export's build output `./dist/NAME.js` is src/NAME.ts. */
function workspaceSource(specifier: string): string {
  const [, name, ...sub] = specifier.split('/');
  const dir = join(PACKAGES, name!);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports: Record<string, Conditions>;
  };
  const built = pick(manifest.exports[sub.length === 0 ? '.' : `./${sub.join('/')}`]);
  const match = built === undefined ? null : /^\.\/dist\/(.+)\.js$/.exec(built);
  if (match === null) throw new Error(`the walk cannot resolve ${specifier}`);
  return join(dir, 'src', `${match[1]}.ts`);
}

/** Specifiers a file loads at run time: statements from its `source`, calls from its `code` (no comments). */
function runtimeSpecifiers(source: string, code: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT)) if (m[1] === undefined) out.push(m[2]!);
  for (const m of source.matchAll(SIDE_EFFECT_IMPORT)) out.push(m[1]!);
  for (const pattern of CALL_LOADS) for (const m of code.matchAll(pattern)) out.push(m[1]!);
  return out;
}

/** Walks the graph from `entry`, a path under this package's src/. */
export function walkImports(entry: string): ImportGraph {
  const seen = new Set<string>();
  const nodeModules: string[] = [];
  const buffer: string[] = [];
  const nodeRuntime: string[] = [];
  const packages = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    if (!existsSync(file)) throw new Error(`the walk reached a missing file: ${file}`);
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    if (/\bBuffer\b/.test(code)) buffer.push(`${file} uses Buffer`);
    for (const line of code.split('\n')) {
      if (NODE_RUNTIME.test(line)) nodeRuntime.push(`${file}: ${line.trim()}`);
    }
    for (const spec of runtimeSpecifiers(source, code)) {
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (spec.startsWith('@leitung/')) walk(workspaceSource(spec));
      else if (isNodeModule(spec)) nodeModules.push(`${file} -> ${spec}`);
      else packages.add(packageName(spec));
    }
  };
  walk(resolve(SRC, entry));
  return { files: [...seen], nodeModules, buffer, nodeRuntime, packages: [...packages].sort() };
}
