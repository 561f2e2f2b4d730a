/**
 * The dependency table of docs/design.md §1 (docs/architecture.md): which workspace packages each package
 * may import. Leaves import nothing from the workspace; client and relay never import each other; the
 * handshake and channel logic both need lives one layer down, in @leitung/session.
 */
export const ALLOWED_WORKSPACE_DEPENDENCIES: Readonly<Record<string, readonly string[]>> = {
  '@leitung/wire': [],
  '@leitung/crypto': [],
  '@leitung/merkle': [],
  '@leitung/audio': [],
  '@leitung/session': ['@leitung/wire', '@leitung/crypto', '@leitung/merkle'],
  '@leitung/client': ['@leitung/wire', '@leitung/crypto', '@leitung/merkle', '@leitung/session'],
  '@leitung/relay': ['@leitung/wire', '@leitung/crypto', '@leitung/merkle', '@leitung/session'],
  '@leitung/example-relay': ['@leitung/relay'],
  '@leitung/example-phonebook': ['@leitung/client', '@leitung/audio'],
  '@leitung/example-web-phonebook': ['@leitung/client', '@leitung/audio', '@leitung/crypto'],
};

/** Returns one message per forbidden edge; empty when the graph respects the table. */
export function layerViolations(
  packages: readonly { name: string; allDependencies: readonly string[] }[],
  table: Readonly<Record<string, readonly string[]>> = ALLOWED_WORKSPACE_DEPENDENCIES,
): string[] {
  const workspaceNames = new Set(packages.map((p) => p.name));
  const problems: string[] = [];
  for (const pkg of packages) {
    const allowed = table[pkg.name];
    if (allowed === undefined) {
      problems.push(`${pkg.name} is not in the dependency table`);
      continue;
    }
    for (const dep of pkg.allDependencies) {
      if (workspaceNames.has(dep) && !allowed.includes(dep))
        problems.push(`${pkg.name} -> ${dep} is not allowed`);
    }
  }
  return problems;
}
