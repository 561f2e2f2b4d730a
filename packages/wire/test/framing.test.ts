import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrame,
  FRAME_HEADER_SIZE,
  FrameDecoder,
  FrameError,
  WireError,
} from '../src/index.js';
import { expectWireError } from './support/expect-error.js';
import { fromHex, toHex } from './support/hex.js';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Cuts `bytes` at the given offsets (sorted, deduplicated, clamped). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

const payloads = fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 12 });

describe('encodeFrame', () => {
  it('prefixes the big-endian payload length', () => {
    expect(toHex(encodeFrame(fromHex('abcdef')))).toBe('00000003abcdef');
    expect(toHex(encodeFrame(new Uint8Array(0x0102)).subarray(0, 4))).toBe('00000102');
    expect(FRAME_HEADER_SIZE).toBe(4);
  });

  it('refuses an empty payload', () => {
    expectWireError(() => encodeFrame(new Uint8Array(0)), 'WIRE_ERR_FRAME_EMPTY');
  });

  it('accepts exactly the maximum and refuses one byte more', () => {
    expect(encodeFrame(new Uint8Array(DEFAULT_MAX_FRAME_SIZE)).length).toBe(DEFAULT_MAX_FRAME_SIZE + 4);
    expectWireError(
      () => encodeFrame(new Uint8Array(DEFAULT_MAX_FRAME_SIZE + 1)),
      'WIRE_ERR_FRAME_TOO_LARGE',
    );
    expect(encodeFrame(new Uint8Array(10), { maxFrameSize: 10 }).length).toBe(14);
    expectWireError(() => encodeFrame(new Uint8Array(11), { maxFrameSize: 10 }), 'WIRE_ERR_FRAME_TOO_LARGE');
  });

  it.each([0, -1, 1.5, 2 ** 32, Number.NaN])('refuses maxFrameSize %s', (maxFrameSize) => {
    expectWireError(() => encodeFrame(new Uint8Array(1), { maxFrameSize }), 'WIRE_ERR_INVALID_ARGUMENT');
    expectWireError(() => new FrameDecoder({ maxFrameSize }), 'WIRE_ERR_INVALID_ARGUMENT');
  });

  it('refuses a payload that is not bytes', () => {
    expectWireError(() => encodeFrame('abc' as unknown as Uint8Array), 'WIRE_ERR_INVALID_ARGUMENT');
  });
});

describe('FrameDecoder', () => {
  it('decodes several frames from one chunk, in order', () => {
    const decoder = new FrameDecoder();
    const frames = decoder.push(fromHex('00000001aa 00000002bbcc 00000003ddeeff'));
    expect(frames.map(toHex)).toEqual(['aa', 'bbcc', 'ddeeff']);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.hasPartialFrame).toBe(false);
  });

  it('decodes one byte at a time and reports the partial frame as it grows', () => {
    const decoder = new FrameDecoder();
    const stream = fromHex('00000003 010203 00000001 ff');
    const seen: string[] = [];
    const partial: boolean[] = [];
    const buffered: number[] = [];
    for (const byte of stream) {
      seen.push(...decoder.push(Uint8Array.of(byte)).map(toHex));
      partial.push(decoder.hasPartialFrame);
      buffered.push(decoder.bufferedBytes);
    }
    expect(seen).toEqual(['010203', 'ff']);
    expect(buffered).toEqual([1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 0]);
    expect(partial).toEqual([true, true, true, true, true, true, false, true, true, true, true, false]);
  });

  it('tells the announced size once the header is complete', () => {
    const decoder = new FrameDecoder();
    decoder.push(fromHex('000001'));
    expect(decoder.expectedFrameSize).toBeUndefined();
    decoder.push(fromHex('00'));
    expect(decoder.expectedFrameSize).toBe(256);
    expect(decoder.hasPartialFrame).toBe(true);
    expect(decoder.bufferedBytes).toBe(4);
  });

  it('accepts an empty chunk and Buffers', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(new Uint8Array(0))).toEqual([]);
    expect(decoder.push(Buffer.from('0000000161', 'hex')).map(toHex)).toEqual(['61']);
  });

  it('returns frames the caller owns (not views of the pushed chunk)', () => {
    const decoder = new FrameDecoder();
    const chunk = fromHex('00000002 abcd');
    const [frame] = decoder.push(chunk);
    chunk.fill(0);
    expect(toHex(frame!)).toBe('abcd');
    expect(Object.getPrototypeOf(decoder.push(Buffer.from('0000000161', 'hex'))[0])).toBe(
      Uint8Array.prototype,
    );
  });

  it('rejects a header announcing 4 GiB − 1 after exactly 4 bytes, holding at most 4 bytes', () => {
    const decoder = new FrameDecoder();
    for (let i = 0; i < 3; i++) {
      expect(decoder.push(Uint8Array.of(0xff))).toEqual([]);
      expect(decoder.bufferedBytes).toBe(i + 1);
      expect(decoder.reservedBytes).toBe(0);
    }
    const error = expectWireError(() => decoder.push(Uint8Array.of(0xff)), 'WIRE_ERR_FRAME_TOO_LARGE');
    expect(error).toBeInstanceOf(FrameError);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.reservedBytes).toBe(0);
    expect(decoder.hasPartialFrame).toBe(false);
  });

  it('rejects an oversized header even when its body arrives in the same chunk', () => {
    const decoder = new FrameDecoder({ maxFrameSize: 16 });
    const chunk = concat([fromHex('00000011'), new Uint8Array(17)]);
    expectWireError(() => decoder.push(chunk), 'WIRE_ERR_FRAME_TOO_LARGE');
    expect(decoder.reservedBytes).toBe(0);
  });

  it('accepts a frame of exactly the maximum and rejects one byte more', () => {
    const max = 1000;
    const atMax = new FrameDecoder({ maxFrameSize: max });
    const body = new Uint8Array(max).fill(7);
    expect(atMax.push(concat([fromHex('000003e8'), body]))[0]).toEqual(body);
    const overMax = new FrameDecoder({ maxFrameSize: max });
    expectWireError(() => overMax.push(fromHex('000003e9')), 'WIRE_ERR_FRAME_TOO_LARGE');
  });

  it('accepts the default maximum (64 KiB) and rejects 64 KiB + 1', () => {
    const decoder = new FrameDecoder();
    expect(decoder.maxFrameSize).toBe(65_536);
    const frame = encodeFrame(new Uint8Array(65_536));
    expect(decoder.push(frame)[0]!.length).toBe(65_536);
    expectWireError(() => decoder.push(fromHex('00010001')), 'WIRE_ERR_FRAME_TOO_LARGE');
  });

  it('rejects a zero-length frame', () => {
    const decoder = new FrameDecoder();
    expectWireError(() => decoder.push(fromHex('00000000')), 'WIRE_ERR_FRAME_EMPTY');
  });

  it('is poisoned after an error: every later push throws the same error', () => {
    const decoder = new FrameDecoder();
    let first: unknown;
    try {
      decoder.push(fromHex('00000001 aa 00000000'));
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(FrameError);
    expect(decoder.error).toBe(first);
    for (const chunk of [fromHex('00000001bb'), new Uint8Array(0)]) {
      let again: unknown;
      try {
        decoder.push(chunk);
      } catch (error) {
        again = error;
      }
      expect(again).toBe(first);
    }
  });

  it('reserves memory in step with the bytes received, never beyond the announced length', () => {
    // A peer that announces 64 KiB and sends one byte must not pin 64 KiB.
    const decoder = new FrameDecoder();
    decoder.push(fromHex('00010000 01'));
    expect(decoder.reservedBytes).toBeLessThanOrEqual(4096);
    let received = 1;
    while (received < 65_536) {
      const chunk = new Uint8Array(Math.min(1500, 65_536 - received));
      const frames = decoder.push(chunk);
      received += chunk.length;
      if (received < 65_536) {
        expect(frames).toEqual([]);
        expect(decoder.reservedBytes).toBeLessThanOrEqual(Math.max(4096, 2 * received));
        expect(decoder.reservedBytes).toBeLessThanOrEqual(65_536);
        expect(decoder.bufferedBytes).toBe(4 + received);
      } else {
        expect(frames[0]!.length).toBe(65_536);
        expect(frames[0]![0]).toBe(1);
      }
    }
    expect(decoder.reservedBytes).toBe(0);
  });

  it('a small frame split in two reserves only its own length', () => {
    const decoder = new FrameDecoder();
    decoder.push(fromHex('00000005 0102'));
    expect(decoder.reservedBytes).toBe(5);
    expect(decoder.push(fromHex('030405'))[0]).toEqual(fromHex('0102030405'));
  });

  it('refuses a chunk that is not bytes, without poisoning', () => {
    const decoder = new FrameDecoder();
    expectWireError(() => decoder.push([0, 0, 0, 1] as unknown as Uint8Array), 'WIRE_ERR_INVALID_ARGUMENT');
    expect(decoder.error).toBeUndefined();
    expect(decoder.push(fromHex('0000000101')).length).toBe(1);
  });
});

describe('FrameDecoder properties (fast-check)', () => {
  it('split points never change the decoded frames', () => {
    fc.assert(
      fc.property(payloads, fc.array(fc.nat(), { maxLength: 40 }), (frames, cuts) => {
        const stream = concat(frames.map((f) => encodeFrame(f)));
        const decoder = new FrameDecoder();
        const out = split(stream, cuts).flatMap((chunk) => decoder.push(chunk));
        expect(out.map(toHex)).toEqual(frames.map(toHex));
        expect(decoder.bufferedBytes).toBe(0);
        expect(decoder.hasPartialFrame).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('byte-at-a-time decoding equals whole-stream decoding', () => {
    fc.assert(
      fc.property(payloads, (frames) => {
        const stream = concat(frames.map((f) => encodeFrame(f)));
        const whole = new FrameDecoder().push(stream);
        const bytewise = new FrameDecoder();
        const out = Array.from(stream).flatMap((b) => bytewise.push(Uint8Array.of(b)));
        expect(out).toEqual(whole);
        expect(whole.map(toHex)).toEqual(frames.map(toHex));
      }),
      { numRuns: 200 },
    );
  });

  it('a bad header after valid frames fails at the same point however the stream is split', () => {
    fc.assert(
      fc.property(
        payloads,
        fc.constantFrom('00000000', '00010001', 'ffffffff'),
        fc.array(fc.nat(), { maxLength: 20 }),
        (frames, badHeader, cuts) => {
          const good = concat(frames.map((f) => encodeFrame(f)));
          const stream = concat([good, fromHex(badHeader), new Uint8Array(8)]);
          const chunks = split(stream, cuts);
          const decoder = new FrameDecoder();
          let failedChunk = -1;
          for (let i = 0; i < chunks.length && failedChunk < 0; i++) {
            try {
              decoder.push(chunks[i]!);
            } catch (error) {
              expect(error).toBeInstanceOf(WireError);
              failedChunk = i;
            }
          }
          // The error surfaces with the chunk holding the 4th byte of the bad header: never earlier
          // (nothing is judged on a partial header), never later (no body byte is waited for).
          const headerEnd = good.length + 4;
          let expectedChunk = 0;
          for (let received = chunks[0]!.length; received < headerEnd; )
            received += chunks[++expectedChunk]!.length;
          expect(failedChunk).toBe(expectedChunk);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('arbitrary streams give frames or a FrameError, nothing else', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const decoder = new FrameDecoder({ maxFrameSize: 1024 });
        for (const chunk of chunks) {
          try {
            for (const frame of decoder.push(chunk)) expect(frame.length).toBeGreaterThan(0);
          } catch (error) {
            expect(error).toBeInstanceOf(FrameError);
            expect(decoder.error).toBe(error);
            return;
          }
          expect(decoder.reservedBytes).toBeLessThanOrEqual(1024);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
