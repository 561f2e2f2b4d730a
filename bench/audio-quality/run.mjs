// Audio-quality benchmark: German speech (espeak-ng) through Leitung's audio pipeline under the network
// conditions of impairment.mjs, next to the opus-tools reference (opusenc at the same bitrate, decoded by
// libopus with the same losses and an ideal receiver) and to Leitung's own Opus settings without the
// pipeline (same decoding), on the same signal, scored with STOI (stoi.mjs) and
// the Bark spectral distance of @leitung/audio/analysis. Imports the BUILT packages: build first.
// With --programs the same conditions also run through the real programs (relay + two headless phonebooks,
// udp-proxy.mjs in front of the relay's media port), one call per condition.
// Usage: node bench/audio-quality/run.mjs [--programs [--repeat=N]] [--application=voip|audio]
//        [--signal=voice|auto] [--complexity=0..10] [--fec=true|false]   (30 s; --programs: N calls per condition, median
//        reported, default 3, about 15 s per call; the Opus flags override OPUS_DEFAULTS in-process only)
//        needs espeak-ng, sox and opus-tools
// libopus alone plans its loss as Leitung's encoder does (the condition's loss through plannedLossPercent:
// at least 10 % from 3 % with FEC on). The same settings on the system's libopus: libopus-builds.mjs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AudioReceiver,
  AudioSender,
  createOpusCodec,
  decodeWav,
  FRAME_SAMPLES,
  OPUS_DEFAULTS,
} from '@leitung/audio';
import { barkSpectralDistance, estimateDelay } from '@leitung/audio/analysis';
import { decodePayload, opusPacketHasFec } from '@leitung/audio/core';
import { findExecutable, loadOpusBackend } from '@leitung/audio/node';
import { decodeIdeal, encodeFrames, opusencPackets, speechWav, to10k } from './codec-paths.mjs';
import { CONDITIONS, seeded } from './impairment.mjs';
import { raisePriority, startPrograms } from './programs.mjs';
import { stoi } from './stoi.mjs';

const BITRATE = 24_000;
const NETWORK_MS = 20; // base one-way delay of the simulated network
const PULL_PHASE_MS = 7; // the receiver's playout clock is not in phase with the sender's
const FEEDBACK_MS = 1000; // loss feedback period, as the phonebook's stats:update
const REPEATS = Number(flag('repeat') ?? 3); // calls per condition
// Leitung's Opus settings in-process (pipeline and libopus alone): OPUS_DEFAULTS unless a flag says otherwise.
const OPUS = {
  bitrate: BITRATE,
  application: flag('application'),
  signal: flag('signal'),
  complexity: flag('complexity') === undefined ? undefined : Number(flag('complexity')),
  fec: flag('fec') === undefined ? undefined : flag('fec') === 'true',
};

function flag(name) {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

for (const tool of ['espeak-ng', 'sox', 'opusenc']) {
  if (!findExecutable(tool)) {
    console.error(`audio-quality bench: ${tool} is not installed (apt-get install espeak-ng sox opus-tools)`);
    process.exit(1);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'leitung-bench-quality-'));
try {
  const wav = speechWav(dir);
  const input = (await decodeWav(readFileSync(wav))).samples;
  const frames = Math.ceil(input.length / FRAME_SAMPLES);
  const backend = loadOpusBackend();
  const opus = {
    ...OPUS_DEFAULTS,
    ...Object.fromEntries(Object.entries(OPUS).filter(([, v]) => v !== undefined)),
  };
  console.log(
    `signal: espeak-ng -v de, ${(input.length / 48_000).toFixed(1)} s at 48 kHz; Opus ${BITRATE / 1000} kbit/s CBR ` +
      `(${opus.application}, signal ${opus.signal}, complexity ${opus.complexity}); ` +
      `network ${NETWORK_MS} ms + impairment; opus backend ${backend.name}\n`,
  );
  const encodedRef = new Map();
  const rows = [];
  for (const condition of CONDITIONS) {
    const plan = condition.plan(frames);
    const lossPercent = Math.round((100 * plan.filter((p) => p.drop).length) / frames);
    const leitung = runPipeline(input, plan, backend);
    const expectLoss = lossPercent > 0 ? Math.max(1, lossPercent) : 0;
    if (!encodedRef.has(expectLoss)) encodedRef.set(expectLoss, opusenc(wav, expectLoss));
    const reference = decodeReference(encodedRef.get(expectLoss), plan, backend, input);
    const alone = decodeReference(encodeAlone(input, backend, expectLoss), plan, backend, input);
    rows.push({ condition, lossPercent, expectLoss, leitung, reference, alone });
    console.log(`${condition.name}: done`);
  }
  if (process.argv.includes('--programs')) await runPrograms(rows, wav, input);
  console.log();
  console.log(
    '| condition | frames lost | STOI Leitung re-timed / per-second (single alignment) | STOI libopus alone | STOI opus-tools | Bark dB Leitung | Bark dB libopus alone | Bark dB opus-tools | Leitung FEC rebuilt / available / lost | Leitung delay ms, mean (range) | frames inserted / dropped | ms stretched / compressed |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { condition, lossPercent, leitung: l, reference: r, alone: a } of rows) {
    console.log(
      `| ${condition.name} | ${lossPercent} % | ${l.stoi.toFixed(3)} / ${l.perSecond.stoi.toFixed(3)} (${l.single.stoi.toFixed(3)}) | ${a.stoi.toFixed(3)} | ${r.stoi.toFixed(3)} | ` +
        `${l.bark.toFixed(2)} | ${a.bark.toFixed(2)} | ${r.bark.toFixed(2)} | ${l.fec} / ${l.fecAvailable} / ${l.lost} | ` +
        `${l.delayMs.toFixed(0)} (${l.delayRange}) | ${l.inserted} / ${l.dropped} | ${l.stretchedMs.toFixed(0)} / ${l.compressedMs.toFixed(0)} |`,
    );
  }
  if (rows[0].programs !== undefined) {
    console.log('\nThrough the real programs (relay + two phonebooks + UDP proxy), Alice → Bob:\n');
    console.log(
      `| condition | frames lost | STOI (per-second alignment), median of ${REPEATS} calls | range | STOI single alignment | Bark dB | FEC rebuilt / lost | Bob's MOS (E-model) | mouth-to-ear ms | frames inserted / dropped | ms stretched / compressed |`,
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const { condition, programs: p } of rows) {
      console.log(
        `| ${condition.name} | ${p.lossPercent} % | ${p.stoi.toFixed(3)} | ${p.spread} | ${p.single.toFixed(3)} | ${p.bark.toFixed(2)} | ${p.fec} / ${p.lost} | ` +
          `${p.mos?.toFixed(2) ?? 'none'} | ${p.delayMs.toFixed(0)} | ${p.inserted} / ${p.dropped} | ${p.stretchedMs.toFixed(0)} / ${p.compressedMs.toFixed(0)} |`,
      );
    }
  }
  console.log(
    '\nSTOI: 0–1, higher is better (stoi.mjs says what it measures and what not). Bark: spectral distance, lower is better.' +
      '\nLeitung delay: capture → playout (one 20 ms frame + network + jitter buffer + 6.5 ms lookahead), mean (range) of the per-second alignments.' +
      '\nFrames inserted / dropped: whole-frame buffer moves; ms stretched / compressed: moves made by time-scaling played audio.',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** The Leitung pipeline on virtual time: sender → scheduled network → receiver, with loss feedback. */
function runPipeline(input, plan, backend) {
  const codec = createOpusCodec(backend, OPUS);
  const sender = new AudioSender({ codec, initialSequence: 0, initialTimestamp: 0 });
  // Frames of 15–25 ms while the buffer moves, pulled each time the last one has played, as the phonebook's
  // receive stream does (packages/audio/README.md, "Jitter buffer").
  const receiver = new AudioReceiver({ codecs: [codec], variableFrames: true });
  const inFlight = [];
  const played = [];
  let playedSamples = 0;
  const sent = [];
  const endMs = plan.length * 20 + 400;
  for (let t = 0; t <= endMs; t++) {
    if (t > 0 && t % FEEDBACK_MS === 0) sender.setExpectedLossPercent(receiver.stats(t).recentLossPercent);
    const k = t / 20;
    if (Number.isInteger(k) && k < plan.length) {
      const pcm = new Int16Array(FRAME_SAMPLES);
      pcm.set(input.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES));
      const frame = sender.encode(pcm);
      if (frame) sent.push(decodePayload(frame.payload).data);
      if (frame && !plan[k].drop) inFlight.push({ at: t + NETWORK_MS + plan[k].extraMs, frame });
    }
    inFlight.sort((a, b) => a.at - b.at);
    while (inFlight.length > 0 && inFlight[0].at <= t) receiver.receive(inFlight.shift().frame, t);
    for (
      let due = PULL_PHASE_MS + playedSamples / 48;
      due < t + 1;
      due = PULL_PHASE_MS + playedSamples / 48
    ) {
      const f = receiver.pull(due);
      played.push(f);
      playedSamples += f.pcm.length;
    }
  }
  const lookahead = sender.lookaheadSamples;
  const stats = receiver.stats(endMs);
  sender.close();
  receiver.close();
  const output = new Int16Array(playedSamples);
  const starts = [];
  for (let at = 0, j = 0; j < played.length; at += played[j].pcm.length, j++) {
    starts.push(at);
    output.set(played[j].pcm, at);
  }
  // Align at the lag most decoded frames play at (a full-reference measure needs one alignment; frames
  // inserted or dropped by the jitter buffer then count against the result, as a listener hears them).
  const lags = new Map();
  played.forEach((f, j) => {
    if (f.decision !== 'play') return;
    const lag = starts[j] - f.timestamp + lookahead;
    lags.set(lag, (lags.get(lag) ?? 0) + 1);
  });
  const lag = [...lags.entries()].sort((a, b) => b[1] - a[1])[0][0];
  // Re-timed: every frame at the place its media timestamp says, so that frames the jitter buffer inserted
  // (overwritten by the frame that follows them) or dropped (left silent) count as time warping only
  // where a listener would notice a gap, like the utterance realignment of ITU-T P.862.
  const retimed = new Int16Array(input.length + FRAME_SAMPLES);
  for (const f of played) {
    if (f.timestamp === undefined) continue;
    const at = f.timestamp - lookahead;
    if (at >= 0 && at + f.pcm.length <= retimed.length) retimed.set(f.pcm, at);
    else if (at < 0 && at + f.pcm.length > 0) retimed.set(f.pcm.subarray(-at), 0);
  }
  // Per-second alignment, as for the real programs: the only one that still fits once the buffer moves by
  // time-scaling (a frame's audio then no longer sits at one place its timestamp names).
  const perSecond = scoreRecording(input, output);
  const delays = perSecond.lagsMs.map((ms) => ms + PULL_PHASE_MS + 20);
  return {
    ...score(input, retimed),
    single: score(input, output.subarray(lag)),
    perSecond,
    fecAvailable: fecAvailable(sent, plan),
    lost: stats.packetsLost + stats.packetsLate,
    fec: stats.framesRecoveredFec,
    inserted: stats.framesStretched,
    dropped: stats.packetsDiscarded,
    stretchedMs: stats.stretchedMs ?? 0,
    compressedMs: stats.compressedMs ?? 0,
    delayMs: delays.reduce((a, b) => a + b, 0) / delays.length,
    delayRange: `${Math.min(...delays).toFixed(0)}–${Math.max(...delays).toFixed(0)}`,
  };
}

/**
 * Leitung's Opus settings without the pipeline: libopus encodes the signal frame by frame, planning FEC
 * for the condition's loss as an oracle would (the pipeline has to measure it first).
 */
function encodeAlone(input, backend, expectLoss) {
  return encodeFrames(input, createOpusCodec(backend, { ...OPUS, expectedLossPercent: expectLoss }));
}

function opusenc(wav, expectLoss) {
  return opusencPackets(wav, join(dir, `ref-${expectLoss}.opus`), BITRATE, expectLoss);
}

/** libopus decoding of a path's packets with the condition's drops, by an ideal receiver (decodeIdeal). */
function decodeReference({ preSkip, packets }, plan, backend, input) {
  const output = decodeIdeal(packets, (k) => plan[k]?.drop ?? false, backend);
  const aligned = output.subarray(preSkip, preSkip + input.length);
  // opusenc's pre-skip aligns its output with the input; check it.
  const { lagSamples } = estimateDelay(input.subarray(0, aligned.length), aligned, 480);
  if (Math.abs(lagSamples) > 24) console.warn(`opus-tools reference misaligned by ${lagSamples} samples`);
  return score(input, aligned);
}

/** Lost frames whose next packet arrived carrying FEC (LBRR) data: what an ideal receiver could rebuild. */
function fecAvailable(packets, plan) {
  let n = 0;
  for (let k = 0; k + 1 < packets.length && k + 1 < plan.length; k++) {
    if (plan[k].drop && !plan[k + 1].drop && opusPacketHasFec(packets[k + 1])) n++;
  }
  return n;
}

function score(reference, degraded) {
  const n = reference.length;
  const deg = new Int16Array(n);
  deg.set(degraded.subarray(0, n));
  return { stoi: stoi(to10k(reference), to10k(deg)), bark: barkSpectralDistance(reference, deg) };
}

/** One call per condition through the real programs; Bob's recording scored against Alice's input. */
async function runPrograms(rows, wav, input) {
  raisePriority(process.pid); // this process runs the UDP proxy
  const programs = await startPrograms(join(dir, 'programs'));
  try {
    const durationS = input.length / 48_000 + 1.5;
    const frames = Math.ceil((durationS * 1000) / 20) + 100;
    // One unscored call first: the relay's first call pays for warming up.
    await programs.call({ forward: [], backward: [] }, wav, 3);
    for (const row of rows) {
      // The same schedule for Alice → Bob as in-process; Bob → Alice gets one of its own (other seed).
      const forward = row.condition.plan(frames);
      const r = seeded(99);
      const backward = row.condition.plan(frames).map(() => forward[Math.floor(r() * frames)]);
      const runs = [];
      for (let i = 0; i < REPEATS; i++)
        runs.push(await programCall(programs, { forward, backward }, wav, durationS, input));
      // The median run by STOI: a shared machine's scheduling makes single calls noisy.
      row.programs = runs.sort((a, b) => a.stoi - b.stoi)[Math.floor(runs.length / 2)];
      row.programs.lossPercent = Math.round(
        (100 * forward.slice(0, Math.ceil(input.length / FRAME_SAMPLES)).filter((p) => p.drop).length) /
          Math.ceil(input.length / FRAME_SAMPLES),
      );
      row.programs.spread = `${runs[0].stoi.toFixed(3)}–${runs.at(-1).stoi.toFixed(3)}`;
      console.log(`${row.condition.name}: ${REPEATS} calls done`);
    }
  } finally {
    await programs.stop();
  }
}

async function programCall(programs, plans, wav, durationS, input) {
  const { heard, stats, caller } = await programs.call(plans, wav, durationS);
  const recorded = (await decodeWav(readFileSync(heard))).samples;
  const receive = stats.receive;
  const scored = scoreRecording(input, recorded);
  return {
    ...scored,
    // Sample n left Alice at sendStartedAt + n/48 and reached Bob's file at receiveStartedAt + (lag + n)/48.
    delayMs: stats.marks.receiveStartedAt + scored.lagMs - caller.marks.sendStartedAt,
    lost: receive.packetsLost + receive.packetsLate,
    fec: receive.framesRecoveredFec,
    inserted: receive.framesStretched,
    dropped: receive.packetsDiscarded,
    stretchedMs: receive.stretchedMs ?? 0,
    compressedMs: receive.compressedMs ?? 0,
    mos: stats.quality.mos,
  };
}

/**
 * Aligns a recording of unknown delay with the input: first as a whole (cross-correlation up to 3 s), then
 * each second of the input on its own within ±60 ms of that (jitter-buffer moves shift later parts; a
 * listener hears the move, not a lasting misalignment — the idea of P.862's utterance realignment).
 */
function scoreRecording(input, recorded) {
  const { lagSamples } = estimateDelay(input, recorded, 3 * 48_000);
  const single = new Int16Array(input.length);
  single.set(recorded.subarray(Math.max(0, lagSamples), Math.max(0, lagSamples) + input.length));
  const piecewise = new Int16Array(input.length);
  const second = 48_000;
  const search = 60 * 48;
  const lagsMs = [];
  for (let at = 0; at < input.length; at += second) {
    const ref = input.subarray(at, Math.min(input.length, at + second));
    const from = Math.max(0, at + lagSamples - search);
    const window = recorded.subarray(from, Math.min(recorded.length, at + lagSamples + second + search));
    let lag = lagSamples;
    if (window.length > ref.length && energy(ref) > 1e9) {
      lag = from - at + estimateDelay(ref, window, 2 * search).lagSamples;
      if (Math.abs(lag - lagSamples) > search) lag = lagSamples;
    }
    piecewise.set(recorded.subarray(Math.max(0, at + lag), Math.max(0, at + lag) + ref.length), at);
    lagsMs.push(lag / 48);
  }
  const s = score(input, piecewise);
  return { stoi: s.stoi, bark: s.bark, single: score(input, single).stoi, lagMs: lagSamples / 48, lagsMs };
}

function energy(x) {
  let e = 0;
  for (const v of x) e += v * v;
  return e;
}
