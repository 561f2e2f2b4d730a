/**
 * One process per data directory. Two phonebooks on one vault share one identity, and a relay takes a
 * second registration of a key as the same client coming back: each run would throw the other off in a
 * loop, and both would write the vault. So a run holds `phonebook.lock` in the data directory: created
 * exclusively (O_EXCL) with the process id in it, removed when the process exits (also after SIGINT or
 * SIGTERM: the program shuts down and exits normally; an 'exit' hook catches every other way out but
 * SIGKILL). A lock whose process is gone (SIGKILL, a crash, a reboot) is stale and taken over.
 *
 * Taking over is race-free between two starting processes: the stale lock is first renamed to a name of
 * this process's own (only one rename of a file can succeed), and only a lock that still names the dead
 * process is removed; a live one that slipped in is linked back, and the start is refused.
 */
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PhonebookError, PhonebookErrorCode } from '../errors.js';

export const LOCK_FILE = 'phonebook.lock';

export interface DataLock {
  readonly path: string;
  /** Removes the lock file if it is still this process's. Idempotent. */
  release(): void;
}

/** Takes the data directory's lock (creating the directory, mode 0700); PHONEBOOK_ERR_DATA_LOCKED if taken. */
export async function acquireDataLock(dataDir: string, pid = process.pid): Promise<DataLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createLock(path, pid)) return holding(path, pid);
    const holder = lockHolder(path);
    if (holder === undefined) continue; // removed meanwhile: try again
    if (holder !== pid && alive(holder)) throw locked(dataDir, holder);
    // No pid yet: a process between creating the file and writing to it, unless the file is old.
    if (Number.isNaN(holder) && Date.now() - mtimeMs(path) < 2000) throw locked(dataDir, undefined);
    takeOverStale(path, holder, pid, dataDir);
  }
  throw locked(dataDir, lockHolder(path));
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function createLock(path: string, pid: number): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The pid in the lock file; NaN for a file that holds none (a crash between create and write); undefined if gone. */
function lockHolder(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return /^\d+\s*$/.test(text) ? Number(text.trim()) : Number.NaN;
}

/** True while a process with this id exists (EPERM: it exists but belongs to someone else). */
function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function takeOverStale(path: string, stalePid: number, pid: number, dataDir: string): void {
  const aside = `${path}.stale.${pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another process took it first
    throw error;
  }
  const moved = lockHolder(aside);
  if (moved === undefined || Object.is(moved, stalePid) || !alive(moved)) {
    unlinkSync(aside);
    return;
  }
  // A live process's fresh lock was moved aside: put it back (unless yet another one is there now).
  try {
    linkSync(aside, path);
  } catch {
    // keep the newer lock; the live holder loses its file but keeps running: it is refused below anyway
  }
  unlinkSync(aside);
  throw locked(dataDir, moved);
}

function holding(path: string, pid: number): DataLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (lockHolder(path) === pid) unlinkSync(path);
    } catch {
      // the directory is gone or unreadable: nothing left to release
    }
  };
  process.on('exit', release);
  return { path, release };
}

function locked(dataDir: string, pid: number | undefined): PhonebookError {
  const who = pid === undefined || Number.isNaN(pid) ? '' : ` (pid ${pid})`;
  return new PhonebookError(
    PhonebookErrorCode.DataLocked,
    `another leitung-phonebook is using ${dataDir}${who}: quit it first, or start this one with another --data directory`,
  );
}
