/**
 * The WebSocket transport runs in a web page (docs/client.md "Transports"): nothing it imports, directly or
 * through other modules, workspace packages included, is a `node:*` module or a third-party package, and
 * no reachable source uses Node's `Buffer`. Walks the import graph of the sources (support/import-graph.ts).
 */
import { describe, expect, it } from 'vitest';
import { walkImports } from './support/import-graph.js';

describe('browser-safe transport', () => {
  it('the WebSocket transport reaches no node:* module, no third-party package and no Buffer', () => {
    const graph = walkImports('transport/web-socket-transport.ts');
    expect(graph.nodeModules).toEqual([]);
    expect(graph.packages).toEqual([]);
    expect(graph.buffer).toEqual([]);
    expect(graph.files.length).toBeGreaterThan(1);
  });

  it('the transport interfaces import nothing at run time', () => {
    expect(walkImports('transport/client-transport.ts').files).toHaveLength(1);
  });

  it('the TCP + UDP transport is the one that needs Node (the walk sees node:* there)', () => {
    expect(walkImports('transport/tcp-udp-transport.ts').nodeModules.some((s) => s.includes('node:'))).toBe(
      true,
    );
  });
});
