/**
 * The UDP socket of one call's media lane (docs/design.md §5, docs/architecture.md "Media lane"). It is a
 * connected UDP socket: the kernel delivers only datagrams from the relay's media address, so anything from
 * elsewhere is dropped before any parsing or cryptography. A fresh socket (new local port) is how the
 * MediaChannel binds again after an address change, and how it moves to another relay (CALL_RESUME).
 */
import dgram from 'node:dgram';
import type { DatagramSocket, MediaTarget, OpenDatagramSocket } from '../transport/client-transport.js';

/** The media socket interfaces, defined with the transports (transport/client-transport.ts). */
export type { DatagramSocket, MediaTarget, OpenDatagramSocket };

/**
 * The socket family for the relay's media address: an IPv6 literal is the only host form that contains a
 * colon (IPv4 literals and DNS names never do). Not `net.isIPv6`: its regular expression costs ~8 ms on a
 * process's first use and ~2 ms more when V8 recompiles it, and that fell on a call's media setup
 * (docs/benchmarks.md "Web phonebook").
 */
function socketType(host: string): 'udp4' | 'udp6' {
  return host.includes(':') ? 'udp6' : 'udp4';
}

export class MediaSocket implements DatagramSocket {
  readonly #socket: dgram.Socket;
  #connected = false;
  #queue: Uint8Array[] = [];
  #closed = false;

  constructor(target: MediaTarget, onDatagram: (data: Uint8Array) => void) {
    const socket = dgram.createSocket(socketType(target.host));
    // The socket's message callback: it calls the lane's receive function directly (the hop budget).
    socket.on('message', (msg) => onDatagram(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength)));
    socket.on('error', () => undefined);
    socket.connect(target.port, target.host, () => {
      if (this.#closed) return;
      this.#connected = true;
      for (const data of this.#queue.splice(0)) socket.send(data);
    });
    this.#socket = socket;
  }

  send(data: Uint8Array): void {
    if (this.#closed) return;
    if (!this.#connected) {
      if (this.#queue.length < 64) this.#queue.push(data);
      return;
    }
    this.#socket.send(data);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#socket.close();
  }
}

/** The default {@link OpenDatagramSocket}: a real connected UDP socket. */
export const openMediaSocket: OpenDatagramSocket = (target, onDatagram) =>
  new MediaSocket(target, onDatagram);

let udpWarm = false;

/**
 * Opens and closes one connected UDP socket to `target`, once per process (docs/client.md "Transports"):
 * the first UDP socket of a Node process costs ~4 ms more than later ones (Node's dgram and address-lookup
 * paths load and start), and that should not fall on a call's media setup. Nothing is sent.
 */
export function warmUpMediaSocket(target: MediaTarget): void {
  if (udpWarm) return;
  udpWarm = true;
  const socket = dgram.createSocket(socketType(target.host));
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    socket.close();
  };
  socket.on('error', close);
  socket.connect(target.port, target.host, close);
}
