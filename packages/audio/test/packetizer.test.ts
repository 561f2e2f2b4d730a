import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload, MAX_PAYLOAD_BYTES, Packetizer } from '../src/core.js';
import { CODEC_IDS, FRAME_SAMPLES } from '../src/index.js';

describe('payload format: one codec id byte, then the codec bytes', () => {
  it('round-trips any codec bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(CODEC_IDS.opus, CODEC_IDS.pcm16),
        fc.uint8Array({ minLength: 1, maxLength: 4000 }),
        (id, data) => {
          const payload = encodePayload(id, data);
          expect(payload.length).toBe(data.length + 1);
          expect(payload[0]).toBe(id);
          const back = decodePayload(payload);
          expect(back.codecId).toBe(id);
          expect(Array.from(back.data)).toEqual(Array.from(data));
        },
      ),
    );
  });

  it('rejects malformed payloads with typed errors', () => {
    expect(() => decodePayload(new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_PAYLOAD' }),
    );
    expect(() => decodePayload(Uint8Array.of(2))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_PAYLOAD' }),
    );
    expect(() => decodePayload(new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(2))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_PAYLOAD' }),
    );
    expect(() => decodePayload(Uint8Array.of(0, 1))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_UNKNOWN_CODEC' }),
    );
    expect(() => decodePayload(Uint8Array.of(77, 1))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_UNKNOWN_CODEC' }),
    );
    expect(() => encodePayload(9 as 1, Uint8Array.of(1))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_UNKNOWN_CODEC' }),
    );
    expect(() => encodePayload(CODEC_IDS.opus, new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_PAYLOAD' }),
    );
  });
});

describe('Packetizer', () => {
  const encoded = (dtx = false) => ({ data: Uint8Array.of(1, 2, 3), dtx });

  it('numbers frames: sequence +1 per frame, timestamp +960 per 20 ms, both wrapping at 2^32', () => {
    const p = new Packetizer({
      codecId: CODEC_IDS.opus,
      initialSequence: 2 ** 32 - 1,
      initialTimestamp: 2 ** 32 - 960,
    });
    const a = p.packetize(encoded())!;
    const b = p.packetize(encoded())!;
    expect([a.sequence, a.timestamp]).toEqual([2 ** 32 - 1, 2 ** 32 - 960]);
    expect([b.sequence, b.timestamp]).toEqual([0, 0]);
    expect(Array.from(a.payload)).toEqual([CODEC_IDS.opus, 1, 2, 3]);
  });

  it('skips DTX frames: their timestamp is used up, their sequence number is not', () => {
    const p = new Packetizer({ codecId: CODEC_IDS.opus });
    const a = p.packetize(encoded())!;
    expect(p.packetize(encoded(true))).toBeUndefined();
    expect(p.packetize(encoded(true))).toBeUndefined();
    const b = p.packetize(encoded())!;
    expect(b.sequence - a.sequence).toBe(1);
    expect(b.timestamp - a.timestamp).toBe(3 * FRAME_SAMPLES);
    const keep = new Packetizer({ codecId: CODEC_IDS.opus });
    expect(keep.packetize(encoded(true), false)).toBeDefined();
  });

  it('validates its options', () => {
    expect(() => new Packetizer({ codecId: CODEC_IDS.opus, initialSequence: -1 })).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
    );
    expect(() => new Packetizer({ codecId: 0 as 1 })).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_UNKNOWN_CODEC' }),
    );
  });
});
