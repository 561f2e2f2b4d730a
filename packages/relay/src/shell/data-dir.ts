/**
 * The relay's data directory (docs/operations.md "Data directory"): created with mode 0700 when missing, and
 * checked for reading and writing before the key or the database is touched, so a wrong --data fails at once with
 * the reason in words (RELAY_ERR_DATA_DIR), never halfway through a start or as a raw "EACCES: …" line.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { RelayError, RelayErrorCode } from '../errors.js';

/** Words for the file-system errors an operator meets with a data directory, the errno code after them once. */
export function fileSystemProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'a parent directory does not exist',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is exhausted',
    EEXIST: 'a file of that name is in the way',
  };
  if (typeof code !== 'string') return error instanceof Error ? error.message : String(error);
  return `${words[code] ?? 'file system error'} (${code})`;
}

/** Creates `dir` (mode 0700) if needed and checks that the relay can read and write it: RELAY_ERR_DATA_DIR otherwise. */
export function openDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new RelayError(
      RelayErrorCode.DataDir,
      `cannot use the data directory ${dir}: ${fileSystemProblem(error)}`,
      { cause: error },
    );
  }
}
