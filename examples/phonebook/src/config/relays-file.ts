/**
 * The relay list (DESIGN.md §2): `relays.json` holds entries `{host, port, mediaPort, fingerprint}` exactly
 * as `leitung-relay --info-out` writes them — a JSON array of them, or one entry on its own (an info file
 * used as is). Each entry is checked by @leitung/client's parseRelayEntry: the fingerprint pins the relay
 * key, so a relay that shows another key is refused (no trust on first use, LESSONS #2).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseRelayEntry, type RelayEntry } from '@leitung/client';
import { PhonebookError, PhonebookErrorCode } from '../errors.js';

export const RELAYS_FILE = 'relays.json';

/** Parses the text of a relay list; PHONEBOOK_ERR_RELAYS_FILE names the entry at fault. */
export function parseRelayList(text: string): RelayEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new PhonebookError(PhonebookErrorCode.RelaysFile, 'the relay list is not valid JSON', { cause });
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw new PhonebookError(PhonebookErrorCode.RelaysFile, 'the relay list is empty');
  const seen = new Set<string>();
  const entries: RelayEntry[] = [];
  items.forEach((item, index) => {
    let entry: RelayEntry;
    try {
      entry = parseRelayEntry(item);
    } catch (cause) {
      throw new PhonebookError(
        PhonebookErrorCode.RelaysFile,
        `relay list entry ${index} needs host, port, mediaPort and a 64-hex-digit fingerprint`,
        { cause },
      );
    }
    // The fingerprint names the relay; a second entry for one key would only skew failover.
    if (seen.has(entry.fingerprint)) return;
    seen.add(entry.fingerprint);
    entries.push(entry);
  });
  return entries;
}

export async function readRelayList(path: string): Promise<RelayEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new PhonebookError(PhonebookErrorCode.RelaysFile, `cannot read the relay list ${path}`, { cause });
  }
  return parseRelayList(text);
}

/**
 * The relay list to use: `--relays FILE`, else ./relays.json when it exists, else none (the vault's pinned
 * relays are used then).
 */
export async function findRelayList(file: string | undefined, cwd = process.cwd()): Promise<RelayEntry[]> {
  if (file !== undefined) return readRelayList(file);
  const local = resolve(cwd, RELAYS_FILE);
  return existsSync(local) ? readRelayList(local) : [];
}
