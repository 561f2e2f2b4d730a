/**
 * @packageDocumentation
 * `@leitung/client/testing` — in-memory stand-ins for what the client keeps on disk, for tests, benchmarks
 * and throwaway clients: {@link MemoryStore} in place of the `SecureVault` as a Client's or
 * ClientCore's store, and {@link AtomicWriteHooks} to simulate a crash in the middle of a vault write
 * (docs/client.md "SecureVault", atomic writes). Nothing here is encrypted or survives the process.
 */
export { MemoryStore } from './core/client-store.js';
export type { AtomicWriteHooks } from './vault/atomic-file.js';
