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
