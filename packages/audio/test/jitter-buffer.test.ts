/**
 * Deterministic simulations of the jitter buffer: injected clock, scripted or seeded arrival schedules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  JITTER_BUFFER_DEFAULTS,
  JitterBuffer,
  type JitterBufferOptions,
  MAX_RESIZE_SAMPLES,
  type PlayoutDecision,
  type PullHints,
} from '../src/core.js';
import { FRAME_SAMPLES, type MediaFrame } from '../src/index.js';
import { seededRandom } from './support/random.js';

const U32 = 2 ** 32;

function frame(seq: number, ts = seq * FRAME_SAMPLES, bytes = 3): MediaFrame {
  const payload = new Uint8Array(bytes);
  payload[0] = 2;
  payload[1] = seq & 0xff;
  return { sequence: seq % U32, timestamp: ts % U32, payload };
}

interface Run {
  decisions: PlayoutDecision[];
  targets: number[];
  delays: number[];
  jb: JitterBuffer;
}

/**
 * Sender emits frame k at 20·k ms; it arrives at 20·k + delay(k) (undefined: lost). Pulls every 20 ms
 * at phase 3 ms. Records every decision and the target/buffer delay after each pull.
 */
function run(
  frames: number,
  delay: (k: number) => number | undefined,
  options?: JitterBufferOptions,
  hints?: PullHints,
): Run {
  const jb = new JitterBuffer(options);
  const arrivals: { at: number; f: MediaFrame }[] = [];
  for (let k = 0; k < frames; k++) {
    const d = delay(k);
    if (d !== undefined) arrivals.push({ at: 20 * k + d, f: frame(k) });
  }
  arrivals.sort((a, b) => a.at - b.at);
  const decisions: PlayoutDecision[] = [];
  const targets: number[] = [];
  const delays: number[] = [];
  let i = 0;
  const end = frames * 20 + 500;
  for (let t = 0; t <= end; t++) {
    while (i < arrivals.length && arrivals[i]!.at <= t) jb.push(arrivals[i++]!.f, t);
    if (t % 20 === 3) {
      decisions.push(jb.pull(t, hints));
      const s = jb.stats();
      targets.push(s.targetDelayMs);
      delays.push(s.bufferDelayMs);
    }
  }
  return { decisions, targets, delays, jb };
}

const played = (ds: PlayoutDecision[]) => ds.flatMap((d) => (d.kind === 'play' ? [d.payload[1]!] : []));

describe('JitterBuffer: ordering, duplicates, late frames', () => {
  it('undoes reordering and plays frames in timestamp order', () => {
    const jb = new JitterBuffer();
    const order = [3, 0, 2, 1, 5, 4, 7, 6, 9, 8];
    for (const k of order) expect(jb.push(frame(k), 0)).toBe('accepted');
    const out: number[] = [];
    for (let t = 40; t < 40 + 20 * 10; t += 20) {
      const d = jb.pull(t);
      if (d.kind === 'play') out.push(d.sequence);
    }
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('drops duplicates, before and after their frame was played, and counts them', () => {
    const jb = new JitterBuffer();
    expect(jb.push(frame(0), 0)).toBe('accepted');
    expect(jb.push(frame(0), 1)).toBe('duplicate');
    expect(jb.push(frame(1), 20)).toBe('accepted');
    expect(jb.pull(40)).toMatchObject({ kind: 'play', sequence: 0 });
    // Frame 0 again after it was played: a duplicate, not a late frame.
    expect(jb.push(frame(0), 45)).toBe('duplicate');
    expect(jb.stats()).toMatchObject({ packetsDuplicate: 2, packetsReceived: 2, packetsLate: 0 });
  });

  it('discards a frame that arrives after its slot was concealed, and counts it late (not lost)', () => {
    // Frame 10 is 150 ms late; everything else arrives after 30 ms.
    const r = run(30, (k) => (k === 10 ? 180 : 30), { initialDelayMs: 20 });
    const seq = played(r.decisions);
    expect(seq).not.toContain(10);
    expect(seq).toContain(11);
    const s = r.jb.stats();
    expect(s.packetsLate).toBe(1);
    expect(s.packetsLost).toBe(0);
    const conceal = r.decisions.filter((d) => d.kind === 'conceal' && d.reason === 'missing');
    // The missing slot, plus the stream's end (drained after maxConcealFrames).
    expect(conceal.length).toBe(1 + JITTER_BUFFER_DEFAULTS.maxConcealFrames);
  });

  it('counts real losses RFC 3550 style and hands the next payload to concealment (for FEC)', () => {
    const r = run(50, (k) => (k % 10 === 5 ? undefined : 30), { initialDelayMs: 40 });
    const s = r.jb.stats();
    expect(s.packetsLost).toBe(5);
    const conceals = r.decisions.filter(
      (d): d is Extract<PlayoutDecision, { kind: 'conceal' }> =>
        d.kind === 'conceal' && d.reason === 'missing',
    );
    const inStream = conceals.slice(0, 5);
    for (const c of inStream) {
      expect(c.next).toBeDefined();
      // The next payload is the frame right after the lost one.
      expect(c.next![1]).toBe(((c.timestamp / FRAME_SAMPLES) | 0) + 1);
    }
  });

  it('tells skipped frames (DTX: timestamp gap, no sequence gap) from lost ones', () => {
    const jb = new JitterBuffer({ initialDelayMs: 20 });
    // Sequence 0,1,2 then 3 carries the timestamp of slot 6: slots 3–5 were not sent.
    const frames = [frame(0, 0), frame(1, 960), frame(2, 1920), frame(3, 6 * 960), frame(4, 7 * 960)];
    frames.forEach((f, i) => {
      jb.push(f, i * 20);
    });
    const kinds: string[] = [];
    for (let t = 20; t < 20 + 8 * 20; t += 20) {
      const d = jb.pull(t);
      kinds.push(d.kind === 'conceal' ? `conceal:${d.reason}` : d.kind);
    }
    expect(kinds).toEqual([
      'play',
      'play',
      'play',
      'conceal:dtx',
      'conceal:dtx',
      'conceal:dtx',
      'play',
      'play',
    ]);
    expect(jb.stats().packetsLost).toBe(0);
  });

  it('plays straight across the uint32 wrap of sequence and timestamp', () => {
    const jb = new JitterBuffer({ initialDelayMs: 20 });
    const base = U32 - 5;
    const tsBase = U32 - 3 * FRAME_SAMPLES;
    const seqs: number[] = [];
    for (let k = 0; k < 12; k++) {
      jb.push(frame(base + k, tsBase + k * FRAME_SAMPLES), k * 20);
      const d = jb.pull(k * 20 + 10);
      if (d.kind === 'play') seqs.push(d.sequence);
    }
    expect(seqs.length).toBeGreaterThanOrEqual(10);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe((seqs[i - 1]! + 1) % U32);
    expect(seqs).toContain(0);
    expect(jb.stats()).toMatchObject({ packetsLost: 0, resyncs: 0 });
  });

  it('restarts when the sender restarts with unrelated numbers', () => {
    const jb = new JitterBuffer({ initialDelayMs: 20 });
    let t = 0;
    for (let k = 0; k < 20; k++, t += 20) {
      jb.push(frame(1000 + k, 5_000_000 + k * FRAME_SAMPLES), t);
      jb.pull(t + 5);
    }
    const kinds: string[] = [];
    for (let k = 0; k < 20; k++, t += 20) {
      jb.push(frame(7 + k, 123 + k * FRAME_SAMPLES), t);
      kinds.push(jb.pull(t + 5).kind);
    }
    expect(jb.stats().resyncs).toBe(1);
    expect(kinds.slice(-10).every((k) => k === 'play')).toBe(true);
  });

  it('counts malformed frames as invalid and never throws on them', () => {
    const jb = new JitterBuffer();
    const bad: unknown[] = [
      null,
      {},
      { sequence: -1, timestamp: 0, payload: new Uint8Array(3) },
      { sequence: 0, timestamp: 1.5, payload: new Uint8Array(3) },
      { sequence: 0, timestamp: 0, payload: new Uint8Array(0) },
      { sequence: 0, timestamp: 0, payload: new Uint8Array(5000) },
      { sequence: 0, timestamp: 0, payload: [2, 1] },
    ];
    for (const f of bad) expect(jb.push(f as MediaFrame, 0)).toBe('invalid');
    expect(jb.stats().packetsInvalid).toBe(bad.length);
    expect(() => jb.pull(Number.NaN)).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
    );
  });

  it('rejects inconsistent options with a typed error', () => {
    const bad: JitterBufferOptions[] = [
      { minDelayMs: 100, maxDelayMs: 50 },
      { quantile: 0 },
      { maxPackets: 1 },
      { historyPackets: 2.5 },
      { resyncMs: 10 },
      { minDelayMs: -1 },
      { bogus: 1 } as JitterBufferOptions,
    ];
    for (const o of bad) {
      expect(() => new JitterBuffer(o)).toThrow(
        expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
      );
    }
  });
});

describe('JitterBuffer: bounded memory', () => {
  it('holds at most maxPackets frames when the sender runs far ahead of playout', () => {
    const jb = new JitterBuffer({ maxPackets: 16 });
    let max = 0;
    // 10 000 frames arrive in 2 s while playout pulls every 20 ms.
    for (let k = 0; k < 10_000; k++) {
      const t = k * 0.2;
      jb.push(frame(k), t);
      if (k % 100 === 0) jb.pull(t);
      max = Math.max(max, jb.stats().bufferedPackets);
    }
    expect(max).toBeLessThanOrEqual(16);
    expect(jb.stats().packetsDiscarded).toBeGreaterThan(9000);
  });

  it('stays bounded and never throws under arbitrary frames and times (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            seq: fc.integer({ min: 0, max: U32 - 1 }),
            ts: fc.integer({ min: 0, max: U32 - 1 }),
            len: fc.integer({ min: 0, max: 4100 }),
            dt: fc.integer({ min: 0, max: 100 }),
            pull: fc.boolean(),
          }),
          { maxLength: 300 },
        ),
        (events) => {
          const jb = new JitterBuffer({ maxPackets: 8 });
          let t = 0;
          for (const e of events) {
            t += e.dt;
            jb.push({ sequence: e.seq, timestamp: e.ts, payload: new Uint8Array(e.len) }, t);
            if (e.pull) jb.pull(t);
            expect(jb.stats().bufferedPackets).toBeLessThanOrEqual(8);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the target under maxDelayMs however bad the jitter', () => {
    const rnd = seededRandom(7);
    const r = run(1500, () => 20 + rnd() * 600);
    expect(Math.max(...r.targets)).toBeLessThanOrEqual(JITTER_BUFFER_DEFAULTS.maxDelayMs);
    expect(Math.max(...r.delays)).toBeLessThanOrEqual(JITTER_BUFFER_DEFAULTS.maxDelayMs + 20);
  });
});

describe('JitterBuffer: adaptive target', () => {
  // 20 s calm (±2 ms), 20 s rough (±40 ms), 20 s calm again; 40 ms base delay.
  const rnd = seededRandom(42);
  const spread = (k: number) => (k >= 1000 && k < 2000 ? 40 : 2);
  const r = run(3000, (k) => 40 + (rnd() * 2 - 1) * spread(k));
  const at = (second: number) => r.targets[second * 50]!;
  const delayAt = (second: number) => r.delays[second * 50]!;

  it('sits at the lower bound while the network is calm', () => {
    expect(at(19)).toBeLessThanOrEqual(JITTER_BUFFER_DEFAULTS.minDelayMs + 1);
    expect(delayAt(19)).toBeLessThanOrEqual(35);
  });

  it('rises to cover the 95th percentile of jitter when it grows', () => {
    // ±40 ms uniform: the spread of transit is 80 ms, its 95th percentile about 76 ms.
    expect(at(25)).toBeGreaterThan(60);
    expect(at(39)).toBeGreaterThan(60);
    expect(at(39)).toBeLessThanOrEqual(80);
    expect(delayAt(39)).toBeGreaterThan(55);
    // The playout delay follows: few frames are late once it has grown.
    const rough = r.decisions.slice(1300, 2000);
    const missing = rough.filter((d) => d.kind === 'conceal' && d.reason === 'missing').length;
    expect(missing / rough.length).toBeLessThan(0.08);
  });

  it('falls back once the jitter calms down', () => {
    expect(at(50)).toBeLessThan(30);
    expect(at(59)).toBeLessThanOrEqual(JITTER_BUFFER_DEFAULTS.minDelayMs + 1);
    expect(delayAt(59)).toBeLessThan(40);
  });

  it('changes the playout delay smoothly: one frame at a time, spaced out', () => {
    const stretches: number[] = [];
    r.decisions.forEach((d, i) => {
      if (d.kind === 'conceal' && d.reason === 'stretch') stretches.push(i);
    });
    expect(stretches.length).toBeGreaterThan(0);
    for (let i = 1; i < stretches.length; i++) {
      expect(stretches[i]! - stretches[i - 1]!).toBeGreaterThanOrEqual(
        JITTER_BUFFER_DEFAULTS.growIntervalFrames,
      );
    }
    // The playout offset (pull time minus media time of the slot played) moves by one frame at most.
    const offsets = r.decisions.flatMap((d, i) =>
      d.kind === 'silence' ? [] : [20 * i + 3 - d.timestamp / 48],
    );
    for (let i = 1; i < offsets.length; i++) {
      expect(Math.abs(offsets[i]! - offsets[i - 1]!)).toBeLessThanOrEqual(20 + 1e-9);
    }
  });

  it('reports bursty loss with a burst ratio above 1 and random loss near 1', () => {
    const random = seededRandom(3);
    const randomLoss = run(3000, () => (random() < 0.05 ? undefined : 30)).jb.stats();
    const bursty = run(3000, (k) => (k % 100 < 5 ? undefined : 30)).jb.stats();
    expect(randomLoss.burstRatio).toBeGreaterThan(0.8);
    expect(randomLoss.burstRatio).toBeLessThan(1.3);
    expect(bursty.burstRatio).toBeGreaterThan(3);
  });
});

describe('JitterBuffer: time-scaled moves (PullHints.timeScale)', () => {
  const moves = (r: Run) =>
    r.decisions.flatMap((d) => (d.kind === 'play' && d.timeScale ? [d.timeScale] : []));

  it('grows by asking for a stretch, not by inserting a concealed frame, when the caller can time-scale', () => {
    // Constant transit; frame 100 never comes, so after 5 slots the loss reserve adds a frame of delay.
    const lossAt100 = (k: number) => (k === 100 ? undefined : 0);
    const scaled = run(200, lossAt100, {}, { timeScale: true });
    expect(moves(scaled)).toContain('stretch');
    expect(moves(scaled)).not.toContain('compress');
    // No frame inserted while the stream runs (after its end the slots go missing, and a buffer that is
    // short while frames are missing inserts: nobody plays the stretches asked for here).
    const inserts = (r: Run) =>
      r.decisions.slice(0, 195).filter((d) => d.kind === 'conceal' && d.reason === 'stretch').length;
    expect(inserts(scaled)).toBe(0);
    expect(scaled.jb.stats().stretchedMs).toBeGreaterThanOrEqual(20);
    // Control: the same stream without the hint inserts a concealed frame and asks for no time-scaling.
    const whole = run(200, lossAt100);
    expect(moves(whole)).toEqual([]);
    expect(inserts(whole)).toBeGreaterThan(0);
    expect(whole.jb.stats().stretchedMs).toBe(0);
  });

  it('shrinks speech by asking for compression instead of skipping a frame; a quiet moment still skips', () => {
    const deep: JitterBufferOptions = { initialDelayMs: 80 };
    const speech = run(200, () => 0, deep, { timeScale: true, quiet: false });
    expect(moves(speech)).toContain('compress');
    expect(speech.jb.stats().compressedMs).toBeGreaterThanOrEqual(20);
    expect(speech.jb.stats().packetsDiscarded).toBe(0);
    const quiet = run(200, () => 0, deep, { timeScale: true, quiet: true });
    expect(moves(quiet)).toEqual([]);
    expect(quiet.jb.stats().packetsDiscarded).toBeGreaterThan(0);
    // Control: without the hint, speech is shrunk by skipping frames.
    const whole = run(200, () => 0, deep, { quiet: false });
    expect(moves(whole)).toEqual([]);
    expect(whole.jb.stats().packetsDiscarded).toBeGreaterThan(0);
  });
});

describe('JitterBuffer: resized frames (PullHints.variableLength)', () => {
  /**
   * A caller that plays each frame at the length the buffer asks for and pulls again when it has played:
   * frame k sent at 20·k ms arrives `delay(k)` ms later; the first pull at 3 ms, each next one 20 ms plus
   * the last `resizeSamples` / 48 later.
   */
  function runResized(frames: number, delay: (k: number) => number, hints: PullHints) {
    const jb = new JitterBuffer();
    const arrivals = Array.from({ length: frames }, (_, k) => ({ at: 20 * k + delay(k), f: frame(k) })).sort(
      (a, b) => a.at - b.at,
    );
    const decisions: PlayoutDecision[] = [];
    const delays: number[] = [];
    let i = 0;
    for (let due = 3; due < frames * 20; ) {
      for (; i < arrivals.length && arrivals[i]!.at <= due; i++) jb.push(arrivals[i]!.f, arrivals[i]!.at);
      const d = jb.pull(due, hints);
      decisions.push(d);
      delays.push(jb.stats().bufferDelayMs);
      due += 20 + (d.kind === 'play' ? (d.resizeSamples ?? 0) : 0) / 48;
    }
    return { decisions, delays, jb };
  }
  const resizes = (ds: PlayoutDecision[]) =>
    ds.flatMap((d) => (d.kind === 'play' && d.resizeSamples !== undefined ? [d.resizeSamples] : []));
  const random = seededRandom(5);
  const jitter = Array.from({ length: 600 }, () => 30 + 40 * random());

  it('holds the delay a few ms above the 95th percentile, by frames at most 5 ms longer or shorter', () => {
    const r = runResized(600, (k) => jitter[k]!, { timeScale: true, variableLength: true });
    const asked = resizes(r.decisions);
    expect(asked.length).toBeGreaterThan(0);
    for (const s of asked) expect(Math.abs(s)).toBeLessThanOrEqual(MAX_RESIZE_SAMPLES);
    expect(r.decisions.some((d) => d.kind === 'play' && d.timeScale !== undefined)).toBe(false);
    const target = r.jb.stats().targetDelayMs;
    const settled = r.delays.slice(300);
    expect(Math.min(...settled)).toBeGreaterThan(target - 3);
    expect(Math.max(...settled)).toBeLessThan(target + 7);
    expect(r.jb.stats().packetsLate).toBeLessThan(6);
  });

  it('control: without the hint the same trace moves by whole frames and settles outside that band', () => {
    const r = runResized(600, (k) => jitter[k]!, {});
    expect(resizes(r.decisions)).toEqual([]);
    const target = r.jb.stats().targetDelayMs;
    const settled = r.delays.slice(300);
    // Here a step below the percentile (half a frame is the most a whole-frame buffer sits short), where
    // one frame in seven comes late.
    expect(Math.min(...settled) <= target - 3 || Math.max(...settled) >= target + 7).toBe(true);
    expect(r.jb.stats().packetsLate).toBeGreaterThan(60);
  });

  it('asks for nothing on a constant transit', () => {
    const r = runResized(300, () => 30, { timeScale: true, variableLength: true });
    expect(resizes(r.decisions)).toEqual([]);
    expect(r.jb.stats().framesStretched + r.jb.stats().packetsDiscarded).toBe(0);
  });
});
