/**
 * A UDP media endpoint for tests: BIND with a grant's token, answer the relay's BIND_CHALLENGE, send and
 * receive datagrams.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { MediaGrant } from '@leitung/wire';
import { afterEach } from 'vitest';
import { MediaEndpoint } from './media-endpoint.js';

export class MediaPeer extends MediaEndpoint {
  private constructor(
    readonly socket: Socket,
    readonly address: string,
    readonly port: number,
  ) {
    super();
    socket.on('message', (message) => this.deliver(message));
  }

  static async open(address = '127.0.0.1'): Promise<MediaPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    return new MediaPeer(socket, address, socket.address().port);
  }

  send(bytes: Uint8Array, relay: { host: string; mediaPort: number }): void {
    this.socket.send(bytes, relay.mediaPort, relay.host);
  }

  /** BIND → BIND_CHALLENGE → BIND_CONFIRM → BIND_ACK (docs/session-protocol.md §4.2). */
  establish(grant: MediaGrant, relay: { host: string; mediaPort: number }): Promise<void> {
    return this.handshake(grant, (bytes) => this.send(bytes, relay));
  }

  close(): void {
    this.socket.close();
  }
}

/** `peer(address?)` opens a {@link MediaPeer}; every peer a test opened is closed after it (afterEach). */
export function useMediaPeers(): (address?: string) => Promise<MediaPeer> {
  const peers: MediaPeer[] = [];
  afterEach(() => {
    for (const peer of peers.splice(0)) peer.close();
  });
  return async (address) => {
    const peer = await MediaPeer.open(address);
    peers.push(peer);
    return peer;
  };
}
