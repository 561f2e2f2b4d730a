/**
 * The default {@link DirectoryStore}: one SQLite file (better-sqlite3 12, WAL, synchronous = FULL), so a
 * registration that was answered with WELCOME survives a crash or restart of the relay (docs/relay.md).
 *
 * Schema (docs/relay.md "Storage"):
 *
 *   meta(key TEXT PRIMARY KEY, value INTEGER)              schema_version, log_size
 *   entries(idx INTEGER PRIMARY KEY, client_id BLOB UNIQUE, name TEXT, name_key TEXT,
 *           public_key BLOB, time INTEGER,
 *           rotation_previous BLOB, rotation_signature BLOB,  both NULL unless a key rotation
 *           superseded_by INTEGER)                          the rotation that replaced it; NULL: current
 *   UNIQUE INDEX entries_current_name ON entries(name_key) WHERE superseded_by IS NULL
 *   log_nodes(level INTEGER, idx INTEGER, hash BLOB, PRIMARY KEY(level, idx)) WITHOUT ROWID
 *   tree_heads(size INTEGER PRIMARY KEY, root BLOB, time INTEGER, log_id BLOB, signature BLOB,
 *              map_root BLOB)                           map_root NULL: a version 1 head (no name map)
 *
 * Schema version 1 (before key rotation) had `name_key TEXT UNIQUE` and no rotation columns; opening such a
 * file rebuilds the entries table in place, in the same transaction (docs/relay.md "Storage").
 *
 * The database is opened in EXCLUSIVE locking mode and locked at once: a second relay started on the same
 * data directory fails with RELAY_ERR_STORAGE instead of appending to the same log.
 */
import type { LogBatch, LogStorage, SignedTreeHead } from '@leitung/merkle';
import type { DirectoryEntry } from '@leitung/wire';
import Database from 'better-sqlite3';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { DirectoryStore } from './directory-store.js';

const SCHEMA_VERSION = 2;

const ENTRIES_TABLE = `(
  idx INTEGER PRIMARY KEY,
  client_id BLOB NOT NULL UNIQUE,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  public_key BLOB NOT NULL,
  time INTEGER NOT NULL,
  rotation_previous BLOB,
  rotation_signature BLOB,
  superseded_by INTEGER
)`;

const CURRENT_NAME_INDEX =
  'CREATE UNIQUE INDEX IF NOT EXISTS entries_current_name ON entries (name_key) WHERE superseded_by IS NULL';

/** Version 1 → 2: the same rows, the name unique only among current bindings, rotation columns added. */
const MIGRATE_1_TO_2 = `
CREATE TABLE entries_v2 ${ENTRIES_TABLE};
INSERT INTO entries_v2 (idx, client_id, name, name_key, public_key, time)
  SELECT idx, client_id, name, name_key, public_key, time FROM entries;
DROP TABLE entries;
ALTER TABLE entries_v2 RENAME TO entries;
${CURRENT_NAME_INDEX};
UPDATE meta SET value = 2 WHERE key = 'schema_version';
`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries ${ENTRIES_TABLE};
CREATE TABLE IF NOT EXISTS log_nodes (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tree_heads (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  time INTEGER NOT NULL,
  log_id BLOB NOT NULL,
  signature BLOB NOT NULL,
  map_root BLOB
);
`;

interface EntryRow {
  idx: number;
  client_id: Uint8Array;
  name: string;
  public_key: Uint8Array;
  time: number;
  rotation_previous: Uint8Array | null;
  rotation_signature: Uint8Array | null;
}

interface HeadRow {
  size: number;
  root: Uint8Array;
  time: number;
  log_id: Uint8Array;
  signature: Uint8Array;
  map_root: Uint8Array | null;
}

const ENTRY_COLUMNS = 'idx, client_id, name, public_key, time, rotation_previous, rotation_signature';
const HEAD_COLUMNS = 'size, root, time, log_id, signature, map_root';

/**
 * The default {@link DirectoryStore}: one SQLite file (WAL, synchronous = FULL), so a registration answered
 * with WELCOME survives a crash; `startRelay` opens `<dataDir>/directory.sqlite`. Pass one as `store` to keep
 * the database elsewhere. A second relay opening the same file fails with RELAY_ERR_STORAGE.
 */
export class SqliteDirectoryStore implements DirectoryStore {
  readonly logStorage: LogStorage;
  readonly #db: Database.Database;
  readonly #statements: ReturnType<typeof prepare>;

  /** Opens (creating if needed) the directory database at `path`. */
  constructor(path: string) {
    let db: Database.Database | undefined;
    try {
      // A short busy timeout: the database is held exclusively by one relay, waiting longer cannot help.
      db = new Database(path, { timeout: 100 });
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec('BEGIN IMMEDIATE');
      db.exec(SCHEMA);
      // Databases made before heads carried the name-map root gain the (nullable) column in place.
      const columns = db.prepare('PRAGMA table_info(tree_heads)').all() as { name: string }[];
      if (!columns.some((c) => c.name === 'map_root'))
        db.exec('ALTER TABLE tree_heads ADD COLUMN map_root BLOB');
      const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
        | { value: number }
        | undefined;
      if (version === undefined) {
        db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?), ('log_size', 0)").run(
          SCHEMA_VERSION,
        );
        db.exec(CURRENT_NAME_INDEX);
      } else if (version.value === 1) {
        db.exec(MIGRATE_1_TO_2);
      } else if (version.value !== SCHEMA_VERSION) {
        throw new RelayError(RelayErrorCode.Storage, `unknown directory schema version ${version.value}`);
      }
      db.exec('COMMIT');
    } catch (error) {
      db?.close();
      if (error instanceof RelayError) throw error;
      throw new RelayError(
        RelayErrorCode.Storage,
        `cannot open the directory database (${describe(error)})`,
        {
          cause: error,
        },
      );
    }
    this.#db = db;
    this.#statements = prepare(db);
    const s = this.#statements;
    this.logStorage = {
      getSize: () => (s.getLogSize.get() as { value: number }).value,
      getNode: (level, index) => {
        const row = s.getNode.get(level, index) as { hash: Uint8Array } | undefined;
        return row === undefined ? undefined : bytes(row.hash);
      },
      commit: (batch: LogBatch) =>
        this.#guard(() =>
          this.atomically(() => {
            for (const node of batch.nodes) s.insertNode.run(node.level, node.index, node.hash);
            s.setLogSize.run(batch.size);
          }),
        ),
    };
  }

  count(): number {
    return (this.#statements.count.get() as { n: number }).n;
  }

  entryAt(index: number): DirectoryEntry | undefined {
    return entryOf(this.#statements.entryAt.get(index) as EntryRow | undefined);
  }

  entryByClientId(clientId: Uint8Array): DirectoryEntry | undefined {
    return entryOf(this.#statements.entryByClientId.get(clientId) as EntryRow | undefined);
  }

  entryByNameKey(key: string): DirectoryEntry | undefined {
    return entryOf(this.#statements.entryByNameKey.get(key) as EntryRow | undefined);
  }

  entries(offset: number, limit: number): DirectoryEntry[] {
    return (this.#statements.entries.all(limit, offset) as EntryRow[]).map((row) => entryOf(row)!);
  }

  currentCount(): number {
    return (this.#statements.currentCount.get() as { n: number }).n;
  }

  currentEntries(offset: number, limit: number): DirectoryEntry[] {
    return (this.#statements.currentEntries.all(limit, offset) as EntryRow[]).map((row) => entryOf(row)!);
  }

  insertEntry(entry: DirectoryEntry, nameKey: string): void {
    this.#guard(() => {
      if (entry.index !== this.count()) throw new Error(`entry index ${entry.index} is not the next one`);
      const rotation = entry.rotation;
      if (rotation !== undefined) {
        // Only the name's current binding can be replaced, and only once (docs/key-transparency.md).
        const replaced = this.#statements.supersede.run(entry.index, rotation.previous, nameKey);
        if (replaced.changes !== 1)
          throw new Error('a rotation must replace the current binding of its name');
      }
      this.#statements.insertEntry.run(
        entry.index,
        entry.clientId,
        entry.name,
        nameKey,
        entry.publicKey,
        entry.time,
        rotation?.previous ?? null,
        rotation?.signature ?? null,
      );
    });
  }

  treeHead(size: number): SignedTreeHead | undefined {
    return headOf(this.#statements.headAt.get(size) as HeadRow | undefined);
  }

  latestTreeHead(): SignedTreeHead | undefined {
    return headOf(this.#statements.latestHead.get() as HeadRow | undefined);
  }

  putTreeHead(head: SignedTreeHead): void {
    this.#guard(() =>
      this.#statements.putHead.run(
        head.size,
        head.root,
        head.time,
        head.logId,
        head.signature,
        head.mapRoot ?? null,
      ),
    );
  }

  atomically<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof RelayError) throw error;
      throw new RelayError(RelayErrorCode.Storage, `directory write failed (${describe(error)})`, {
        cause: error,
      });
    }
  }
}

function prepare(db: Database.Database) {
  return {
    count: db.prepare('SELECT count(*) AS n FROM entries'),
    entryAt: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE idx = ?`),
    entryByClientId: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE client_id = ?`),
    entryByNameKey: db.prepare(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE name_key = ? AND superseded_by IS NULL`,
    ),
    entries: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries ORDER BY idx LIMIT ? OFFSET ?`),
    currentCount: db.prepare('SELECT count(*) AS n FROM entries WHERE superseded_by IS NULL'),
    currentEntries: db.prepare(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE superseded_by IS NULL ORDER BY idx LIMIT ? OFFSET ?`,
    ),
    insertEntry: db.prepare(
      `INSERT INTO entries (idx, client_id, name, name_key, public_key, time, rotation_previous,
         rotation_signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    supersede: db.prepare(
      'UPDATE entries SET superseded_by = ? WHERE client_id = ? AND name_key = ? AND superseded_by IS NULL',
    ),
    getLogSize: db.prepare("SELECT value FROM meta WHERE key = 'log_size'"),
    setLogSize: db.prepare("UPDATE meta SET value = ? WHERE key = 'log_size'"),
    getNode: db.prepare('SELECT hash FROM log_nodes WHERE level = ? AND idx = ?'),
    insertNode: db.prepare('INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)'),
    headAt: db.prepare(`SELECT ${HEAD_COLUMNS} FROM tree_heads WHERE size = ?`),
    latestHead: db.prepare(`SELECT ${HEAD_COLUMNS} FROM tree_heads ORDER BY size DESC LIMIT 1`),
    putHead: db.prepare(
      'INSERT OR REPLACE INTO tree_heads (size, root, time, log_id, signature, map_root) VALUES (?, ?, ?, ?, ?, ?)',
    ),
  };
}

/** A plain Uint8Array copy (SQLite hands out Buffers). */
function bytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value);
}

function entryOf(row: EntryRow | undefined): DirectoryEntry | undefined {
  if (row === undefined) return undefined;
  const entry: DirectoryEntry = {
    index: row.idx,
    clientId: bytes(row.client_id),
    name: row.name,
    publicKey: bytes(row.public_key),
    time: row.time,
  };
  if (row.rotation_previous === null || row.rotation_signature === null) return entry;
  return {
    ...entry,
    rotation: { previous: bytes(row.rotation_previous), signature: bytes(row.rotation_signature) },
  };
}

function headOf(row: HeadRow | undefined): SignedTreeHead | undefined {
  if (row === undefined) return undefined;
  return {
    size: row.size,
    root: bytes(row.root),
    time: row.time,
    logId: bytes(row.log_id),
    signature: bytes(row.signature),
    ...(row.map_root === null ? {} : { mapRoot: bytes(row.map_root) }),
  };
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error';
}
