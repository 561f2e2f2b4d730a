/**
 * The WebSocket transport's sockets opened ahead of their use (docs/client.md "Transports"), over a
 * recording WebSocket class (the shell's socket handling only; the real relay is in
 * web-socket-transport.test.ts). Media legs: the call's lane takes the prepared socket instead of opening
 * another, a second hint for the same relay opens nothing new, another target or a closed leg gets a fresh
 * socket, and an unused leg is closed when the call ends or after 25 s, below the relay's 30 s bind
 * deadline. Control: the registration takes the prepared connection (open already: it opens for the
 * handlers on the next turn), a probe never does.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ControlChannelHandlers, WebSocketLike } from '../src/core.js';
import { createWebSocketTransport } from '../src/index.js';

class RecordingSocket implements WebSocketLike {
  static made: RecordingSocket[] = [];
  binaryType = 'blob';
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { readonly data: unknown }) => void) | null = null;
  onclose: ((event: { readonly code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: Uint8Array[] = [];
  closedWith: number | undefined;
  constructor(readonly url: string) {
    RecordingSocket.made.push(this);
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  send(data: Uint8Array): void {
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }
}

const relay = { host: '127.0.0.1', port: 5060, webSocket: 'ws://127.0.0.1:7000' };
const other = { host: '127.0.0.2', port: 5060, webSocket: 'ws://127.0.0.2:7000' };

describe('prepared media legs (WebSocket transport)', () => {
  beforeEach(() => {
    RecordingSocket.made = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  const transport = () => createWebSocketTransport({ WebSocket: RecordingSocket });

  it('the lane takes the prepared socket; a second hint opens nothing new', () => {
    const t = transport();
    t.prepareMedia?.(relay);
    t.prepareMedia?.(relay);
    expect(RecordingSocket.made.map((s) => s.url)).toEqual(['ws://127.0.0.1:7000/media']);
    RecordingSocket.made[0]!.open();
    const received: Uint8Array[] = [];
    const lane = t.openMedia(relay, (d) => received.push(d));
    expect(RecordingSocket.made).toHaveLength(1);
    lane.send(Uint8Array.of(1, 2));
    expect(RecordingSocket.made[0]!.sent).toEqual([Uint8Array.of(1, 2)]);
    RecordingSocket.made[0]!.onmessage?.({ data: Uint8Array.of(9).buffer });
    expect(received).toEqual([Uint8Array.of(9)]);
    // Taken: the call's end no longer closes it; the lane does.
    t.releasePreparedMedia?.();
    expect(RecordingSocket.made[0]!.closedWith).toBeUndefined();
    vi.advanceTimersByTime(30_000);
    expect(RecordingSocket.made[0]!.closedWith).toBeUndefined();
  });

  it('a socket taken while still connecting queues until open', () => {
    const t = transport();
    t.prepareMedia?.(relay);
    const lane = t.openMedia(relay, () => undefined);
    lane.send(Uint8Array.of(7));
    expect(RecordingSocket.made[0]!.sent).toEqual([]);
    RecordingSocket.made[0]!.open();
    expect(RecordingSocket.made[0]!.sent).toEqual([Uint8Array.of(7)]);
  });

  it('another target, or a prepared leg the relay closed, gets a fresh socket', () => {
    const t = transport();
    t.prepareMedia?.(relay);
    t.openMedia(other, () => undefined);
    expect(RecordingSocket.made.map((s) => s.url)).toEqual([
      'ws://127.0.0.1:7000/media',
      'ws://127.0.0.2:7000/media',
    ]);
    t.prepareMedia?.(relay);
    RecordingSocket.made[0]!.readyState = 3;
    t.openMedia(relay, () => undefined);
    expect(RecordingSocket.made).toHaveLength(3);
  });

  it('an unused leg closes at the call end, or after 25 s', () => {
    const t = transport();
    t.prepareMedia?.(relay);
    t.releasePreparedMedia?.();
    expect(RecordingSocket.made[0]!.closedWith).toBe(1000);
    t.prepareMedia?.(relay);
    vi.advanceTimersByTime(24_999);
    expect(RecordingSocket.made[1]!.closedWith).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(RecordingSocket.made[1]!.closedWith).toBe(1000);
    // After that, a lane opens its own.
    t.openMedia(relay, () => undefined);
    expect(RecordingSocket.made).toHaveLength(3);
  });
});

describe('prepared control connections (WebSocket transport)', () => {
  const entry = {
    host: '127.0.0.1',
    port: 5060,
    mediaPort: 5061,
    fingerprint: 'ab'.repeat(32),
    webSocket: 'ws://127.0.0.1:7000',
  };
  const handlers = (opened: string[], name: string): ControlChannelHandlers => ({
    onOpen: () => opened.push(name),
    onFrame: () => undefined,
    onClose: () => undefined,
  });

  beforeEach(() => {
    RecordingSocket.made = [];
  });

  it('the registration takes the prepared connection; the probe opens its own', async () => {
    const t = createWebSocketTransport({ WebSocket: RecordingSocket });
    t.prepareControl?.(entry);
    expect(RecordingSocket.made.map((s) => s.url)).toEqual(['ws://127.0.0.1:7000/control']);
    const opened: string[] = [];
    t.openControl(entry, handlers(opened, 'probe'), { maxFrameSize: 256 }, 'probe');
    expect(RecordingSocket.made).toHaveLength(2);
    RecordingSocket.made[0]!.open();
    const channel = t.openControl(entry, handlers(opened, 'registration'));
    expect(RecordingSocket.made).toHaveLength(2);
    // Open before it was taken: the handlers hear of it on the next turn, as with a new connection.
    expect(opened).toEqual([]);
    await Promise.resolve();
    expect(opened).toEqual(['registration']);
    channel.send(Uint8Array.of(1));
    expect(RecordingSocket.made[0]!.sent).toEqual([Uint8Array.of(1)]);
  });

  it('an untaken connection is closed at release', () => {
    const t = createWebSocketTransport({ WebSocket: RecordingSocket });
    t.prepareControl?.(entry);
    t.releasePreparedControl?.();
    expect(RecordingSocket.made[0]!.closedWith).toBe(1000);
    t.openControl(entry, handlers([], 'registration'));
    expect(RecordingSocket.made).toHaveLength(2);
  });
});
