/**
 * How the headless mode prints events: `--json` gives one JSON object per line (machine-readable; the
 * demo and the tests parse it), otherwise a short text line per event for a human watching a script.
 */
import type { Writable } from 'node:stream';
import { displaySafe } from '@leitung/client';

export type OutputEvent = { readonly event: string; readonly t: number } & Record<string, unknown>;

export interface EventOutput {
  write(event: OutputEvent): void;
}

/**
 * Names, codes and messages in events may come from a relay: every string is made display-safe
 * (docs/client.md "Displaying relay text") before it is printed, in JSON too (JSON.stringify leaves
 * DEL, C1 controls and bidi characters raw, and these lines are read in terminals).
 */
const safeStrings = (_key: string, value: unknown): unknown =>
  typeof value === 'string' ? displaySafe(value) : value;

export function jsonOutput(stream: Writable): EventOutput {
  return { write: (event) => stream.write(`${JSON.stringify(event, safeStrings)}\n`) };
}

/** Text lines: `[self] hh:mm:ss.mmm event key=value …` (the `[self]` prefix once the own name is known). */
export function textOutput(stream: Writable): EventOutput {
  return {
    write: (event) => {
      const time = new Date(event.t).toISOString().slice(11, 23);
      const self = typeof event.self === 'string' ? `[${formatValue(event.self)}] ` : '';
      const fields = Object.entries(summarize(event))
        .filter(([k]) => k !== 'event' && k !== 't' && k !== 'self')
        .map(([k, v]) => `${k}=${formatValue(v)}`)
        .join(' ');
      stream.write(`${self}${time} ${event.event}${fields ? ` ${fields}` : ''}\n`);
    },
  };
}

/**
 * Every event carries the phonebook's own name (`self`), so that the output of two phonebooks (a caller's
 * and a callee's, interleaved in one log) can be told apart. Before the name is known it is left out.
 */
export function withSelf(output: EventOutput, self: () => string | undefined): EventOutput {
  return {
    write: (event) => {
      const name = self();
      if (name === undefined) return output.write(event);
      const { event: kind, t, ...fields } = event;
      output.write({ event: kind, t, self: name, ...fields });
    },
  };
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (typeof value === 'string') {
    const safe = displaySafe(value);
    return /\s/.test(safe) ? JSON.stringify(safe) : safe;
  }
  if (value === undefined) return '-';
  if (Array.isArray(value)) return `[${value.length}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.name === 'string') return displaySafe(o.name);
    if (typeof o.host === 'string' && typeof o.port === 'number') return `${o.host}:${o.port}`;
  }
  return JSON.stringify(value, safeStrings);
}

/** Nested figures shown flat: the few numbers a person looks at. */
function summarize(event: OutputEvent): Record<string, unknown> {
  const q = (event.quality ?? (event.stats as Record<string, unknown> | undefined)?.quality) as
    | (Record<string, number | undefined> & { audio?: string })
    | undefined;
  if (q === undefined) return event;
  const { quality: _q, stats: _s, marks: _m, ...rest } = event;
  return {
    ...rest,
    // No figure over nothing: while no audio arrives the line says so instead of loss and MOS.
    audio: q.audio,
    loss: q.lossPercent === undefined ? '-' : `${q.lossPercent.toFixed(1)}%`,
    jitter: `${(q.jitterMs ?? 0).toFixed(1)}ms`,
    rtt: q.rttMs === undefined ? '-' : `${q.rttMs.toFixed(1)}ms`,
    send: `${(q.sendKbps ?? 0).toFixed(1)}kbit/s`,
    receive: `${(q.receiveKbps ?? 0).toFixed(1)}kbit/s`,
    mos: q.mos === undefined ? '-' : q.mos.toFixed(2),
  };
}
