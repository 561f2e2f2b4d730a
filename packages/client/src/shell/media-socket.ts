/**
 * The UDP socket of one call's media lane (docs/design.md §5, docs/architecture.md "Media lane"). It is a
 * connected UDP socket: the kernel delivers only datagrams from the relay's media address, so anything from
 * elsewhere is dropped before any parsing or cryptography. A fresh socket (new local port) is how the
 * MediaChannel binds again after an address change, and how it moves to another relay (CALL_RESUME).
 */
import dgram from 'node:dgram';
import net from 'node:net';

/** Where a call's media goes: the media (UDP) address of the relay that issued the grant. */
export interface MediaTarget {
  /** Host name or IP address of the relay. */
  readonly host: string;
  /** The relay's media (UDP) port. */
  readonly port: number;
}

/** What the MediaChannel needs of a socket; tests hand it fakes. */
export interface DatagramSocket {
  send(data: Uint8Array): void;
  close(): void;
}

/** Opens a socket connected to `target` that hands each received datagram to `onDatagram`. */
export type OpenDatagramSocket = (
  target: MediaTarget,
  onDatagram: (data: Uint8Array) => void,
) => DatagramSocket;

export class MediaSocket implements DatagramSocket {
  readonly #socket: dgram.Socket;
  #connected = false;
  #queue: Uint8Array[] = [];
  #closed = false;

  constructor(target: MediaTarget, onDatagram: (data: Uint8Array) => void) {
    const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
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
