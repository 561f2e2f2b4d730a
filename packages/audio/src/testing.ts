/**
 * @packageDocumentation
 * `@leitung/audio/testing` — test doubles for the `FrameTransport` an audio stream runs on: a
 * connected pair of in-memory transports, and a deterministic simulated network with seeded loss, delay
 * jitter, reordering and duplication. For tests, examples, simulations and benchmarks; a real call uses
 * the client's media channel instead.
 */
export { ImpairedLink, type ImpairedLinkStats, type ImpairmentOptions } from './impaired-link.js';
export { createMemoryTransportPair } from './memory-transport.js';
