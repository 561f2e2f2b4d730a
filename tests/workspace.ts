/** Reads the workspace layout: every package.json under packages/ and examples/. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

export interface WorkspacePackage {
  readonly dir: string;
  readonly name: string;
  readonly private: boolean;
  readonly manifest: Record<string, unknown>;
  /** Every dependency name from dependencies, devDependencies, peerDependencies and optionalDependencies. */
  readonly allDependencies: readonly string[];
}

export function listWorkspacePackages(): WorkspacePackage[] {
  const out: WorkspacePackage[] = [];
  for (const group of ['packages', 'examples']) {
    const base = join(REPO_ROOT, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      const manifestPath = join(base, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
      const deps = new Set<string>();
      for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
        const table = manifest[field];
        if (table && typeof table === 'object') for (const d of Object.keys(table)) deps.add(d);
      }
      out.push({
        dir: join(base, entry.name),
        name: String(manifest.name),
        private: manifest.private === true,
        manifest,
        allDependencies: [...deps].sort(),
      });
    }
  }
  return out;
}
