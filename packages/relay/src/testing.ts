/**
 * @packageDocumentation
 * `@leitung/relay/testing` — test doubles for the relay's storage: an in-memory `DirectoryStore` with the
 * same contract as the SQLite one (transactions included), for running `RelayCore` or `startRelay` in
 * tests, simulations and benchmarks without a database file. Nothing survives the process.
 */
export { MemoryDirectoryStore } from './directory/memory-directory-store.js';
