/**
 * The WebSocket transport's own rules (docs/client.md "Transports", docs/protocol.md "WebSocket
 * transport"), against a real `ws` server on 127.0.0.1: one binary message is one frame payload; a text
 * message, an empty one or one above the frame size ends the control channel with a code, as a framing
 * error ends a TCP connection; media sent while the media WebSocket opens is queued, not lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { ControlChannelHandlers, WebSocketConstructor } from '../src/core.js';
import { createWebSocketTransport, type RelayEntry } from '../src/index.js';

const transport = createWebSocketTransport({ WebSocket: WebSocket as unknown as WebSocketConstructor });
const servers: WebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          for (const client of server.clients) client.terminate();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A server on port 0; `onConnection` gets each socket and the path it asked for. */
async function server(onConnection: (socket: WebSocket, path: string) => void): Promise<RelayEntry> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  wss.on('connection', (socket, request) => onConnection(socket, request.url ?? ''));
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const { port } = wss.address() as { port: number };
  return {
    host: '127.0.0.1',
    port: 1,
    mediaPort: 1,
    fingerprint: '0'.repeat(64),
    webSocket: `ws://127.0.0.1:${port}/`,
  };
}

/** Opens a control channel and resolves with what it reported: frames, then the close code. */
function control(
  entry: RelayEntry,
  maxFrameSize?: number,
): Promise<{ opened: boolean; frames: Uint8Array[]; code: string | undefined }> {
  return new Promise((resolve) => {
    const seen = { opened: false, frames: [] as Uint8Array[] };
    const handlers: ControlChannelHandlers = {
      onOpen: () => {
        seen.opened = true;
      },
      onFrame: (payload) => seen.frames.push(payload),
      onClose: (code) => resolve({ ...seen, code }),
    };
    transport.openControl(entry, handlers, maxFrameSize === undefined ? undefined : { maxFrameSize });
  });
}

describe('WebSocket control channel', () => {
  it('opens <webSocket>/control; each binary message is one frame; a normal close has no code', async () => {
    let path = '';
    const entry = await server((socket, p) => {
      path = p;
      socket.send(new Uint8Array([1, 2, 3]));
      socket.send(new Uint8Array([4]));
      socket.close(1000);
    });
    const result = await control(entry);
    expect(path).toBe('/control');
    expect(result.opened).toBe(true);
    expect(result.frames.map((f) => [...f])).toEqual([[1, 2, 3], [4]]);
    expect(result.code).toBeUndefined();
  });

  it('a text message ends the channel with CLIENT_ERR_PROTOCOL; nothing after it is handled', async () => {
    const entry = await server((socket) => {
      socket.send('hello');
      socket.send(new Uint8Array([1]));
    });
    const result = await control(entry);
    expect(result.code).toBe('CLIENT_ERR_PROTOCOL');
    expect(result.frames).toEqual([]);
  });

  it('a message above the frame size ends it with WIRE_ERR_FRAME_TOO_LARGE, one of exactly the size passes', async () => {
    const entry = await server((socket) => {
      socket.send(new Uint8Array(4096));
      socket.send(new Uint8Array(4097));
    });
    const result = await control(entry, 4096);
    expect(result.frames.map((f) => f.length)).toEqual([4096]);
    expect(result.code).toBe('WIRE_ERR_FRAME_TOO_LARGE');
  });

  it('frames sent before the channel closes reach the server', async () => {
    const received: number[][] = [];
    const closed = new Promise<void>((resolve) => {
      void server((socket) => {
        socket.on('message', (data: Buffer) => received.push([...data]));
        socket.on('close', () => resolve());
      }).then((entry) => {
        const channel = transport.openControl(entry, {
          onOpen: () => {
            channel.send(new Uint8Array([9, 9]));
            channel.close();
          },
          onFrame: () => undefined,
          onClose: () => undefined,
        });
      });
    });
    await closed;
    expect(received).toEqual([[9, 9]]);
  });
});

describe('WebSocket media socket', () => {
  it('opens <webSocket>/media, queues what is sent while it opens, and passes datagrams both ways', async () => {
    let path = '';
    const atServer: number[][] = [];
    const entry = await server((socket, p) => {
      path = p;
      socket.on('message', (data: Buffer) => {
        atServer.push([...data]);
        socket.send(new Uint8Array([7, ...data]));
      });
    });
    const atClient: number[][] = [];
    const media = transport.openMedia({ host: entry.host, port: 1, webSocket: entry.webSocket! }, (data) =>
      atClient.push([...data]),
    );
    media.send(new Uint8Array([1]));
    media.send(new Uint8Array([2]));
    const deadline = Date.now() + 2_000;
    while (atClient.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    media.close();
    expect(path).toBe('/media');
    expect(atServer).toEqual([[1], [2]]);
    expect(atClient).toEqual([
      [7, 1],
      [7, 2],
    ]);
  });
});
