/**
 * Crash-safe file replacement (docs/design.md §7): write a temporary file in the same directory (created 0600,
 * exclusively), fsync it, rename it over the target, fsync the directory. A crash at any point leaves either
 * the old file or the new one, never a mixture; a leftover temporary file is removed on the next write.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A test hook into the vault's atomic write (`SecureVaultOptions.writeHooks`): run code after the
 * temporary file is written and synced, before the rename — throw there to simulate a crash and check
 * that the old vault survives.
 */
export interface AtomicWriteHooks {
  /** Called after the temporary file is written and synced, before the rename (tests simulate a crash here). */
  readonly beforeRename?: (tempPath: string) => void | Promise<void>;
}

const tempPrefix = (path: string) => `.${basename(path)}.`;

/** Replaces `path` with `data` atomically, mode 0600. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  hooks: AtomicWriteHooks = {},
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `${tempPrefix(path)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', 0o600);
  try {
    // The umask can only clear bits, but a pre-set ACL default could add some: set the mode explicitly.
    await file.chmod(0o600);
    await file.writeFile(data);
    await file.sync();
  } catch (error) {
    await file.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await file.close();
  await hooks.beforeRename?.(temp);
  await rename(temp, path);
  await syncDirectory(dir);
}

/** Removes temporary files a crashed write left next to `path`. */
export async function removeStaleTemps(path: string): Promise<void> {
  const prefix = tempPrefix(path);
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'))
      .map((n) => unlink(join(dirname(path), n)).catch(() => undefined)),
  );
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
