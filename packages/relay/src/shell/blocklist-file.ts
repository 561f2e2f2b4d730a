/**
 * The blocklist file (docs/operations.md "Blocklist"): read at start and again on SIGHUP. A file that cannot
 * be read is RELAY_ERR_BLOCKLIST_INVALID, like one that does not parse.
 */
import { readFileSync } from 'node:fs';
import { RelayError, RelayErrorCode } from '../errors.js';
import { Blocklist } from '../protection/blocklist.js';

export function readBlocklist(path: string): Blocklist {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RelayError(RelayErrorCode.BlocklistInvalid, `cannot read the blocklist file ${path}`, {
      cause: error,
    });
  }
  return Blocklist.parse(text);
}
