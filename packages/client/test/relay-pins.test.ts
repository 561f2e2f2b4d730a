/**
 * Relay pins and WebSocket URLs (docs/client.md "Relay pins", "Transports"): a relay list that names a
 * pinned relay's WebSocket URL with another key is the same security alarm as one that names its
 * host:port with another key, whatever host and port the planted entry claims.
 */
import { describe, expect, it } from 'vitest';
import { newRelayPins } from '../src/relays/relay-pins.js';

const pinned = {
  host: 'relay.example',
  port: 5060,
  mediaPort: 5061,
  fingerprint: 'ab'.repeat(32),
  webSocket: 'wss://relay.example/leitung',
};

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

describe('relay pins by WebSocket URL', () => {
  it('another key for a pinned WebSocket URL is CLIENT_ERR_RELAY_PIN_CONFLICT, trailing slash or not', () => {
    for (const webSocket of ['wss://relay.example/leitung', 'wss://RELAY.example/leitung/']) {
      const planted = {
        host: 'elsewhere.example',
        port: 1,
        mediaPort: 2,
        fingerprint: 'cd'.repeat(32),
        webSocket,
      };
      expect(codeOf(() => newRelayPins([pinned], [planted], true))).toBe('CLIENT_ERR_RELAY_PIN_CONFLICT');
    }
  });

  it('the pinned relay itself, and another relay at another URL, are not alarms', () => {
    expect(newRelayPins([pinned], [pinned], false)).toEqual([]);
    const other = {
      ...pinned,
      host: 'b.example',
      fingerprint: 'ef'.repeat(32),
      webSocket: 'wss://b.example/',
    };
    expect(newRelayPins([pinned], [other], true)).toEqual([other]);
    expect(codeOf(() => newRelayPins([pinned], [other], false))).toBe('CLIENT_ERR_RELAY_NOT_PINNED');
  });
});
