/**
 * The UDP socket of one call's media channel (docs/design.md §5). It is a connected UDP socket: the kernel
 * delivers only datagrams from the relay's media address, so anything from elsewhere is dropped before any
 * parsing or cryptography. Re-creating it (new local port) is how the Client re-BINDs after an address
 * change; `retarget` moves it to another relay (CALL_RESUME).
 */
import dgram from 'node:dgram';
import net from 'node:net';

export interface MediaTarget {
  readonly host: string;
  readonly port: number;
}

export class MediaSocket {
  readonly #onDatagram: (data: Uint8Array) => void;
  #socket: dgram.Socket;
  #connected = false;
  #queue: Uint8Array[] = [];
  #closed = false;

  constructor(target: MediaTarget, onDatagram: (data: Uint8Array) => void) {
    this.#onDatagram = onDatagram;
    this.#socket = this.#open(target);
  }

  /** The call moved to another relay: a fresh socket connected there. */
  retarget(target: MediaTarget): void {
    if (this.#closed) return;
    this.#socket.close();
    this.#socket = this.#open(target);
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

  #open(target: MediaTarget): dgram.Socket {
    const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
    this.#connected = false;
    socket.on('message', (msg) =>
      this.#onDatagram(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength)),
    );
    socket.on('error', () => undefined);
    socket.connect(target.port, target.host, () => {
      if (this.#socket !== socket || this.#closed) return;
      this.#connected = true;
      for (const data of this.#queue.splice(0)) socket.send(data);
    });
    return socket;
  }
}
