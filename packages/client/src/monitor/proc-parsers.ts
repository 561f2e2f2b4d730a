/**
 * Parsers for the Linux /proc files the SecurityMonitor reads (proc(5)). Pure functions over text, so
 * each rule is testable without the file; every parser returns undefined for text it does not understand
 * rather than guessing.
 */

/** `TracerPid:` of /proc/PID/status: the pid of the process tracing this one (0 = none). */
export function parseTracerPid(status: string): number | undefined {
  return statusNumber(status, 'TracerPid');
}

/** Real uid (first field of `Uid:`) of /proc/PID/status. */
export function parseRealUid(status: string): number | undefined {
  return statusNumber(status, 'Uid');
}

function statusNumber(status: string, key: string): number | undefined {
  const match = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

/** Soft limit of `Max core file size` in /proc/PID/limits: bytes, Infinity for unlimited. */
export function parseCoreLimit(limits: string): number | undefined {
  const match = /^Max core file size\s+(\S+)\s+/m.exec(limits);
  if (!match) return undefined;
  if (match[1] === 'unlimited') return Number.POSITIVE_INFINITY;
  const n = Number(match[1]);
  return Number.isFinite(n) ? n : undefined;
}

/** /proc/PID/cmdline and /proc/PID/environ: NUL-separated strings. */
export function splitNul(text: string): string[] {
  return text.split('\0').filter((s) => s.length > 0);
}

/** The value of `name` in /proc/PID/environ content. */
export function environValue(environ: string, name: string): string | undefined {
  const prefix = `${name}=`;
  const entry = splitNul(environ).find((e) => e.startsWith(prefix));
  return entry?.slice(prefix.length);
}

/** Node inspector flags (`--inspect`, `--inspect-brk`, `--inspect-port`, `--inspect-wait`, `--debug…`). */
export function inspectorFlags(args: readonly string[]): string[] {
  return args.filter((a) => /^--(inspect(-brk|-port|-wait|-publish-uid)?|debug(-brk|-port)?)(=|$)/.test(a));
}

/** Whether NODE_OPTIONS loads code or opens the inspector (`--require`, `--import`, `--inspect`, `--loader`…). */
export function riskyNodeOptions(value: string): boolean {
  return /(^|\s)(-r|--require|--import|--loader|--experimental-loader|--inspect\S*|--debug\S*)(\s|=|$)/.test(
    value,
  );
}
