/**
 * The router's side of the native media plane (docs/relay.md "Native media plane"): keeps the addon's session
 * table in step with the {@link MediaRouter} (sessions opened and freed, confirmed addresses, one packet budget
 * per side) and adds the media thread's counters and activity to the router, which keeps deciding expiry and
 * serving metrics.
 */
import {
  MEDIA_DROP_REASONS,
  type MediaDataPlane,
  type MediaDropReason,
  type MediaEndpoint,
  type MediaRouter,
} from '../media/media-router.js';
import type { NativeMediaAddon, NativeMediaHandle } from './native-media-addon.js';

/** The native table's drop codes 2, 3, … by name (media_table.h, the order of its enum). */
export const NATIVE_DROP_REASONS: readonly MediaDropReason[] = [
  'oversize',
  'malformed',
  'unknown-session',
  'unbound',
  'wrong-source',
  'peer-unbound',
  'rate',
];
const ROUTER_INDEX = NATIVE_DROP_REASONS.map((reason) => MEDIA_DROP_REASONS.indexOf(reason));

/** How often the media thread's counters and activity are added to the router (ms). */
export const NATIVE_REPORT_INTERVAL_MS = 100;

/** The IPv4 number (host order) of a dotted address. */
export function ipv4Number(address: string): number {
  const parts = address.split('.');
  return (
    ((Number(parts[0]) << 24) | (Number(parts[1]) << 16) | (Number(parts[2]) << 8) | Number(parts[3])) >>> 0
  );
}

/** The addon's table behind the router's {@link MediaDataPlane} interface. */
export class NativeDataPlane implements MediaDataPlane {
  readonly #addon: NativeMediaAddon;
  readonly #handle: NativeMediaHandle;
  readonly #router: MediaRouter;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(addon: NativeMediaAddon, handle: NativeMediaHandle, router: MediaRouter) {
    this.#addon = addon;
    this.#handle = handle;
    this.#router = router;
  }

  /** Attaches to the router and starts adding the thread's reports to it. */
  start(now: number): void {
    this.#router.attachDataPlane(this, now);
    this.#timer = setInterval(() => this.flush(), NATIVE_REPORT_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Adds what the media thread counted since the last report to the router. */
  flush(): void {
    const figures = this.#addon.planeReport(this.#handle);
    if (figures === undefined) return;
    const drops = new Array<number>(MEDIA_DROP_REASONS.length).fill(0);
    ROUTER_INDEX.forEach((index, code) => {
      drops[index] = figures[2 + code]!;
    });
    const at = 2 + NATIVE_DROP_REASONS.length;
    const count = figures[at]!;
    const sessions: [number, number, string, number, string, number][] = [];
    for (let i = 0; i < count; i++)
      sessions.push([figures[at + 1 + 2 * i]!, figures[at + 2 + 2 * i]!, '', 0, '', 0]);
    if (figures[0] === 0 && sessions.length === 0 && drops.every((n) => n === 0)) return;
    this.#router.absorb({
      forwardedPackets: figures[0]!,
      forwardedBytes: figures[1]!,
      drops,
      binds: 0,
      rebinds: 0,
      challenges: 0,
      sessions,
    });
  }

  /** Detaches from the router after a last report (before the addon closes the socket). */
  stop(now: number): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.flush();
    this.#router.attachDataPlane(undefined, now);
  }

  opened(sessionId: number, now: number): void {
    // -1 is out of memory in the table: its DATA would then be dropped as unknown there, never forwarded
    // unchecked, so the call fails closed.
    this.#addon.planeOpen(this.#handle, sessionId, now);
  }

  bound(sessionId: number, side: 0 | 1, endpoint: MediaEndpoint): void {
    if (endpoint.port === 0) this.#addon.planeBind(this.#handle, sessionId, side, 0, 0, 2);
    else this.#addon.planeBind(this.#handle, sessionId, side, ipv4Number(endpoint.address), endpoint.port, 1);
  }

  closed(sessionId: number): void {
    this.#addon.planeClose(this.#handle, sessionId);
  }

  take(sessionId: number, side: 0 | 1, now: number): boolean {
    return this.#addon.planeTake(this.#handle, sessionId, side, now) === 1;
  }
}
