/** Small display helpers of the terminal UI (pure, so the screens stay declarative). */
import type { ContactInfo } from '@leitung/client';

/** A fingerprint as four groups of four hex digits, enough to tell keys apart at a glance. */
export function shortId(clientId: string): string {
  return (clientId.slice(0, 16).match(/.{4}/g) ?? []).join(' ');
}

/** mm:ss since `since` (wall-clock ms). */
export function elapsed(since: number, now: number): string {
  const s = Math.max(0, Math.floor((now - since) / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** The safety number in two rows of groups, as people read it aloud to each other. */
export function safetyRows(safetyNumber: string): [string, string] {
  const groups = safetyNumber.split(' ');
  const half = Math.ceil(groups.length / 2);
  return [groups.slice(0, half).join(' '), groups.slice(half).join(' ')];
}

export function verificationMark(contact: ContactInfo): { mark: string; label: string; color: string } {
  switch (contact.verification) {
    case 'verified':
      return { mark: '✔', label: 'verified', color: 'green' };
    case 'unverified':
      return { mark: '?', label: 'not verified yet', color: 'yellow' };
    case 'key-changed':
      return { mark: '⚠', label: 'KEY CHANGED', color: 'red' };
  }
}

export function fixed(value: number | undefined, digits: number, unit: string): string {
  return value === undefined || !Number.isFinite(value) ? `–${unit}` : `${value.toFixed(digits)}${unit}`;
}

/** A call's time: "14:03" today, "2025-03-02 14:03" on another day (local time). */
export function clockTime(at: number, now: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(d.getHours())}:${two(d.getMinutes())}`;
  return new Date(now).toDateString() === d.toDateString()
    ? time
    : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${time}`;
}

/** Talk time as m:ss (h:mm:ss from an hour). */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return s >= 3600
    ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`
    : `${Math.floor(s / 60)}:${two(s % 60)}`;
}
