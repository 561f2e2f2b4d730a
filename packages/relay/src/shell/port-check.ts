/**
 * Port check before anything is created (docs/operations.md "Start"): a relay whose port is taken must fail before
 * it generates a key or creates a database in a data directory that may be the wrong one. Each configured port
 * (not 0, which always binds) is bound once and released; a failure is RELAY_ERR_PORT_UNAVAILABLE naming the
 * listener, the address and the reason in words. The later real bind can still lose a race with another program;
 * it then fails the same way, with everything opened closed again.
 */
import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
import { RelayError, RelayErrorCode } from '../errors.js';

/** One listener to check: what it is for, its protocol and address. */
export interface PortToCheck {
  readonly listener: 'control' | 'media' | 'websocket' | 'metrics';
  readonly protocol: 'tcp' | 'udp';
  readonly host: string;
  readonly port: number;
}

/** Binds and releases every listener with a fixed port; throws RELAY_ERR_PORT_UNAVAILABLE for the first that fails. */
export async function checkPortsFree(ports: readonly PortToCheck[]): Promise<void> {
  for (const entry of ports) {
    if (entry.port === 0) continue;
    try {
      await (entry.protocol === 'tcp' ? probeTcp(entry) : probeUdp(entry));
    } catch (error) {
      throw portError(entry, error);
    }
  }
}

/** The relay error for a listener that cannot bind, in words (also used when the real bind fails). */
export function portError(entry: PortToCheck, error: unknown): RelayError {
  const where = `the ${entry.listener} port ${address(entry)} (${entry.protocol.toUpperCase()})`;
  const code = (error as NodeJS.ErrnoException).code;
  let why: string;
  switch (code) {
    case 'EADDRINUSE':
      why = 'is in use by another program: stop that program or choose another port';
      break;
    case 'EACCES':
    case 'EPERM':
      why = 'may not be used by this user (ports below 1024 need privileges): choose a port from 1024 up';
      break;
    case 'EADDRNOTAVAIL':
      why = `cannot be bound: ${entry.host} is not an address of this machine`;
      break;
    default:
      why = `cannot be bound (${code ?? (error as Error).message})`;
  }
  return new RelayError(RelayErrorCode.PortUnavailable, `${where} ${why}`, { cause: error });
}

function address(entry: PortToCheck): string {
  return isIPv6(entry.host) ? `[${entry.host}]:${entry.port}` : `${entry.host}:${entry.port}`;
}

function probeTcp(entry: PortToCheck): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: entry.port, host: entry.host, exclusive: true }, () => {
      server.close(() => resolve());
    });
  });
}

function probeUdp(entry: PortToCheck): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(entry.host) ? 'udp6' : 'udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind(entry.port, entry.host, () => {
      socket.close(() => resolve());
    });
  });
}
