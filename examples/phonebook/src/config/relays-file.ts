/**
 * The relay list (docs/design.md §2): `relays.json` holds entries `{host, port, mediaPort, fingerprint}` exactly
 * as `leitung-relay --info-out` writes them — a JSON array of them, or one entry on its own (an info file
 * used as is). Each entry is checked by @leitung/client's parseRelayEntry: the fingerprint pins the relay
 * key, so a relay that shows another key is refused (no trust on first use). A list is read only from a
 * file named on the command line; it never re-pins a relay the vault knows (setupClient's relay pins).
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
 * The relay list named on the command line (`--relays FILE`), else none: the vault's pinned relays are
 * used then. The working directory is never read implicitly (docs/client.md "Relay pins"): a relays.json
 * planted there must not choose the relays of whoever starts the program in that directory.
 */
export async function namedRelayList(file: string | undefined): Promise<RelayEntry[]> {
  return file === undefined ? [] : readRelayList(file);
}

/** The ./relays.json that was not read because no option named it (for a one-line notice), if any. */
export function ignoredLocalRelayList(
  relaysFile: string | undefined,
  addRelayFile: string | undefined,
  cwd = process.cwd(),
): string | undefined {
  if (relaysFile !== undefined || addRelayFile !== undefined) return undefined;
  const local = resolve(cwd, RELAYS_FILE);
  return existsSync(local) ? local : undefined;
}

/** The notice for {@link ignoredLocalRelayList}. */
export function ignoredRelayListNotice(path: string): string {
  return `ignored ${path}: relay lists are read only when named (--relays FILE, or --add-relay FILE to pin new relays)`;
}
