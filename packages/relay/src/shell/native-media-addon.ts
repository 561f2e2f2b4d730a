/**
 * Loading the batched media I/O addon (docs/relay.md "Batched media I/O"): `build/Release/leitung_media_batch.node`,
 * compiled from `native/media_batch.c` when the package is installed (`scripts/build-native.mjs`). Where it was not
 * built (no compiler, no Node headers, not Linux) or does not load, the relay uses node:dgram instead.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The shared memory of one open batched socket; the object is also the handle passed back to the addon. */
export interface NativeMediaHandle {
  /** Receive slots: slot i holds datagram i of the current batch. */
  readonly rx: ArrayBuffer;
  /** Per received datagram: [length, IPv4 (host order), port]. */
  readonly rxMeta: Uint32Array;
  /** Per forward of the current batch, written by the callback: [slot, IPv4 (host order), port]. */
  readonly txMeta: Uint32Array;
  /** The bound UDP port. */
  readonly port: number;
}

/** The functions `native/media_batch.c` exports. */
export interface NativeMediaAddon {
  /**
   * Binds an IPv4 UDP socket, fills `target` with its shared memory and calls `onBatch(count)` for every batch
   * received; `onBatch` returns how many forwards it wrote into `txMeta`.
   */
  open(
    target: object,
    host: string,
    port: number,
    bufferBytes: number,
    batch: number,
    slot: number,
    onBatch: (count: number) => number,
    plane?: readonly [maxPacket: number, packetsPerSecond: number, burst: number, threadNice: number],
  ): NativeMediaHandle;
  /** One datagram of the router's own; false when the kernel refused it. */
  sendTo(handle: NativeMediaHandle, bytes: Uint8Array, ip: number, port: number): boolean;
  /**
   * [datagrams received, datagrams sent, failed sends, datagrams the full queue to the loop shed] since open, and
   * the media thread's nice value (NaN without one).
   */
  stats(handle: NativeMediaHandle): [number, number, number, number, number];
  /** [SO_RCVBUF, SO_SNDBUF] as granted by the kernel. */
  bufferSizes(handle: NativeMediaHandle): [number, number];
  close(handle: NativeMediaHandle): void;
  /** Native plane (opened with `plane`): a session the router opened; 0, or -1. */
  planeOpen(handle: NativeMediaHandle, sessionId: number, now: number): number;
  /** A side's confirmed address, `kind` 1 UDP or 2 WebSocket media leg; 0, or -1 for an unknown session. */
  planeBind(
    handle: NativeMediaHandle,
    sessionId: number,
    side: 0 | 1,
    ip: number,
    port: number,
    kind: 1 | 2,
  ): number;
  planeClose(handle: NativeMediaHandle, sessionId: number): number;
  /** One packet from the side's bucket: 1 taken, 0 empty, -1 unknown session. */
  planeTake(handle: NativeMediaHandle, sessionId: number, side: 0 | 1, now: number): number;
  /**
   * Since the last report: [forwarded packets, forwarded bytes, drops by native code (NATIVE_DROP_REASONS), n,
   * n × (session id, last activity)].
   */
  planeReport(handle: NativeMediaHandle): Float64Array;
  /** The media thread's decision for one datagram: [code, IPv4, port] (0 forward, 1 to the loop, 2+ a drop). */
  planeDecide(
    handle: NativeMediaHandle,
    bytes: Uint8Array,
    ip: number,
    port: number,
    now: number,
  ): [number, number, number];
}

let loaded: NativeMediaAddon | null | undefined;

/** The addon, or undefined where it was not built or does not load; tried once per thread. */
export function loadNativeMediaAddon(): NativeMediaAddon | undefined {
  if (loaded === undefined) {
    loaded = null;
    if (process.platform === 'linux' && process.env.LEITUNG_RELAY_NO_NATIVE !== '1') {
      try {
        const require = createRequire(import.meta.url);
        const packageDir = dirname(require.resolve('@leitung/relay/package.json'));
        loaded = require(
          join(packageDir, 'build', 'Release', 'leitung_media_batch.node'),
        ) as NativeMediaAddon;
      } catch {
        loaded = null;
      }
    }
  }
  return loaded ?? undefined;
}
