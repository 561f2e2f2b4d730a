/**
 * The metrics endpoint (docs/relay.md "Metrics"): `GET /metrics` in Prometheus text format, on loopback
 * only — metrics reveal load and counts, not for the open internet.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** Listens on 127.0.0.1:`port` (0 picks one); resolves with the server once it listens. */
export async function serveMetrics(metrics: Registry, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metrics.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
