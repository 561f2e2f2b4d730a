/**
 * `npm run demo`: a real call on this machine. It starts a relay (the leitung-relay program) on loopback
 * with a temporary data directory, then two headless phonebooks, Alice and Bob, each on its first run
 * (identity created, name registered). Alice calls Bob, Bob answers automatically, speech streams both
 * ways for a few seconds through the whole pipeline — Opus, packet encryption, the relay, the jitter
 * buffer — and Bob's phonebook writes what it heard to a WAV file. Then it prints what it measured and
 * removes everything it started: processes and temporary directories, on failure and Ctrl-C too.
 * No sound card needed.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { decodeWav } from '@leitung/audio';
import { describeError, PhonebookError, PhonebookErrorCode } from '../errors.js';
import { analyzeDirection, type DirectionAnalysis } from './audio-analysis.js';
import { stopAllChildren } from './child-process.js';
import { type EventLine, type PhonebookProcess, startPhonebookProcess } from './phonebook-process.js';
import { startRelayProcess } from './relay-process.js';
import { ALICE_TEXT, BOB_TEXT, makeSpeechSample, type SpeechSample } from './speech.js';
import { phonebookRoot } from './workspace-paths.js';

const PASSPHRASE = 'demo passphrase, not for real use';
const MAX_CALL_S = 8;

interface Cleanup {
  temp: string | undefined;
}

async function demo(outDir: string, cleanup: Cleanup): Promise<void> {
  const started = performance.now();
  const temp = await mkdtemp(join(tmpdir(), 'leitung-demo-'));
  cleanup.temp = temp;
  await mkdir(outDir, { recursive: true });
  say('Leitung demo: Alice calls Bob through a relay on this machine\n');

  const [relay, aliceSpeech, bobSpeech] = await Promise.all([
    startRelayProcess({ dataDir: join(temp, 'relay') }),
    makeSpeechSample(temp, 'alice-said', ALICE_TEXT, 'en+f3', 0),
    makeSpeechSample(temp, 'bob-said', BOB_TEXT, 'en', 1),
  ]);
  const r = relay.entry;
  line('relay', `leitung-relay on ${r.host}, control tcp/${r.port}, media udp/${r.mediaPort}`);
  line('', `key fingerprint ${r.fingerprint.slice(0, 16)}…  (pinned by both phonebooks via relays.json)`);
  line('speech', speechLabel(aliceSpeech, bobSpeech));

  const relaysFile = join(temp, 'relays.json');
  await writeFile(relaysFile, `${JSON.stringify([relay.entry], null, 2)}\n`);
  const passFile = join(temp, 'passphrase');
  await writeFile(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });
  const bobHeard = join(outDir, 'bob-heard.wav');
  const aliceHeard = join(outDir, 'alice-heard.wav');
  const durationS = Math.min(MAX_CALL_S, Math.max(aliceSpeech.durationMs, bobSpeech.durationMs) / 1000 + 1);
  const common = ['--relays', relaysFile, '--passphrase-file', passFile, '--timeout', '45'];

  const bob = startPhonebookProcess('bob', [
    ...common,
    ...['--data', join(temp, 'bob'), '--name', 'bob', '--auto-answer'],
    ...['--input', bobSpeech.path, '--output', bobHeard],
  ]);
  say('\n  first run of both phonebooks: creating RSA-4096 identities …');
  // Alice starts once Bob is in the directory: a call to a name the directory does not have fails at
  // once (the look-up's answer is definitive), it is not retried until Bob shows up.
  const bobReg = await bob.waitFor('registration:complete', 60_000);
  const alice = startPhonebookProcess('alice', [
    ...common,
    ...[
      '--data',
      join(temp, 'alice'),
      '--name',
      'alice',
      '--call',
      'bob',
      '--duration',
      durationS.toFixed(1),
    ],
    ...['--input', aliceSpeech.path, '--output', aliceHeard],
  ]);
  const aliceReg = await alice.waitFor('registration:complete', 60_000);
  for (const [p, reg] of [
    [alice, aliceReg],
    [bob, bobReg],
  ] as const) {
    line(
      p.name,
      `identity created in ${ms(keygenMs(p))}, registered as "${reg.name}" (handshake ${ms(reg.handshakeMs)})`,
    );
  }
  const accepted = await alice.waitFor('call:accepted', 30_000).catch(async (error: unknown) => {
    const failed = alice.events.find((e) => e.event === 'call:failed' || e.event === 'error');
    throw new PhonebookError(
      PhonebookErrorCode.DemoFailed,
      failed ? `the call failed: ${String(failed.code)}` : describeError(error),
    );
  });
  const bobAccepted = await bob.waitFor('call:accepted', 10_000);
  line('call', `alice → bob, answered automatically; ${durationS.toFixed(1)} s of speech both ways`);
  line('', `safety number ${String(accepted.safetyNumber)}`);
  line('', accepted.safetyNumber === bobAccepted.safetyNumber ? '(the same on both sides)' : '(MISMATCH)');

  const [aliceExit, bobExit] = await Promise.all([alice.process.exited, bob.process.exited]);
  if (aliceExit !== 0 || bobExit !== 0) {
    throw new PhonebookError(
      PhonebookErrorCode.DemoFailed,
      `phonebook exit codes: alice ${aliceExit}, bob ${bobExit} (${lastError(alice) ?? lastError(bob) ?? 'no error event'})`,
    );
  }
  const sessionsAfter = await relay.metric('leitung_relay_media_sessions').catch(() => undefined);
  await relay.stop();

  const aliceStats = statsOf(alice);
  const bobStats = statsOf(bob);
  const dialAt = aliceStats.dialAt as number;
  const bobMarks = bobStats.marks as Record<string, number | undefined>;
  const aliceMarks = aliceStats.marks as Record<string, number | undefined>;
  const [aToB, bToA] = await Promise.all([
    direction(aliceSpeech.path, bobHeard, aliceMarks, bobMarks),
    direction(bobSpeech.path, aliceHeard, bobMarks, aliceMarks),
  ]);
  await copyFile(aliceSpeech.path, join(outDir, 'alice-said.wav'));
  await copyFile(bobSpeech.path, join(outDir, 'bob-said.wav'));

  const aq = quality(aliceStats);
  const bq = quality(bobStats);
  const aSend = sendKbps(aliceStats);
  const bSend = sendKbps(bobStats);
  say('\nResults');
  line(
    'handshake',
    `alice ${ms(aliceReg.handshakeMs)}, bob ${ms(bobReg.handshakeMs)}  (connect → verified WELCOME: identity challenge, sealed channel, signed tree head)`,
  );
  line(
    'call setup',
    `${ms(sub(bobMarks.firstDecodedAt, dialAt))}  dial → first decrypted and decoded audio frame at Bob`,
  );
  line('', `(first call of freshly started processes; warm figures: npm run bench)`);
  line('', `steps: ${breakdown(alice, bob, dialAt)}`);
  line(
    '',
    `first audio played at Bob ${ms(sub(bobMarks.firstPlayoutAt, dialAt))} after dial (after the jitter buffer)`,
  );
  line(
    'audio delay',
    `alice → bob ${ms(aToB.delayMs)}, bob → alice ${ms(bToA.delayMs)}  (cross-correlation, mouth to ear without sound devices)`,
  );
  line(
    'loss',
    `at bob ${pct(bq.lossPercent)} (${bq.packetsLost} lost, ${bq.packetsLate} late), at alice ${pct(aq.lossPercent)} (${aq.packetsLost} lost, ${aq.packetsLate} late)`,
  );
  line(
    'bitrate',
    `alice sends ${kbps(aSend.packet)} (${kbps(aSend.ip)} with IP/UDP), bob sends ${kbps(bSend.packet)} (${kbps(bSend.ip)}); Opus at 24 kbit/s`,
  );
  line(
    'jitter',
    `at bob ${ms(bq.jitterMs)}, at alice ${ms(aq.jitterMs)}; jitter buffer ${ms(bq.bufferDelayMs)} / ${ms(aq.bufferDelayMs)}`,
  );
  line('MOS', `${mos(bq.mos)} at bob, ${mos(aq.mos)} at alice  (E-model estimate, ITU-T G.107)`);
  line('speech match', `${match(aToB)} alice → bob; ${match(bToA)} bob → alice`);
  line('relay', `media sessions after hang-up: ${sessionsAfter ?? 'unknown'}`);
  line("Bob's WAV", `${shown(bobHeard)}  (what Bob heard; alice-heard.wav, *-said.wav beside it)`);
  say(
    `\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s; relay and phonebooks stopped, temporary files removed`,
  );
}

async function direction(
  sentPath: string,
  receivedPath: string,
  sender: Record<string, number | undefined>,
  receiver: Record<string, number | undefined>,
): Promise<DirectionAnalysis> {
  const [sent, received] = await Promise.all([readWav(sentPath), readWav(receivedPath)]);
  if (sender.sendStartedAt === undefined || receiver.receiveStartedAt === undefined) {
    throw new PhonebookError(PhonebookErrorCode.DemoFailed, 'no audio flowed');
  }
  return analyzeDirection(sent, received, {
    sendStartedAt: sender.sendStartedAt,
    receiveStartedAt: receiver.receiveStartedAt,
    firstPlayoutAt: receiver.firstPlayoutAt,
  });
}

async function readWav(path: string): Promise<Int16Array> {
  return (await decodeWav(new Uint8Array(await readFile(path)))).samples;
}

function statsOf(p: PhonebookProcess): Record<string, unknown> & { stats: Record<string, unknown> } {
  const stats = p.events.find((e) => e.event === 'call:stats');
  if (!stats)
    throw new PhonebookError(PhonebookErrorCode.DemoFailed, `${p.name} reported no call statistics`);
  return stats as never;
}

interface Quality {
  /** Undefined when no frame arrived: nothing to measure. */
  lossPercent: number | undefined;
  packetsLost: number;
  packetsLate: number;
  jitterMs: number;
  bufferDelayMs: number;
  mos: number | undefined;
}

function quality(stats: { stats: Record<string, unknown> }): Quality {
  return stats.stats.quality as Quality;
}

function sendKbps(stats: { stats: Record<string, unknown> }): { packet: number; ip: number } {
  return (stats.stats.send as { bitrateKbps: { packet: number; ip: number } }).bitrateKbps;
}

/** When each step of the call setup happened, ms after the dial (the caller's and callee's events). */
function breakdown(alice: PhonebookProcess, bob: PhonebookProcess, dialAt: number): string {
  const at = (p: PhonebookProcess, event: string) => p.events.find((e) => e.event === event)?.t;
  const steps: [string, number | undefined][] = [
    ['looked up', at(alice, 'contact:verified')],
    ['ringing', at(alice, 'call:ringing')],
    ['incoming', at(bob, 'call:incoming')],
    ['answered', at(alice, 'call:accepted')],
    ['alice bound', at(alice, 'media:bound')],
    ['bob bound', at(bob, 'media:bound')],
    [
      'first frame',
      (bob.events.find((e) => e.event === 'media:first-frame')?.firstFrameAt as number) ?? undefined,
    ],
  ];
  return steps.map(([name, t]) => `${name} ${t === undefined ? '?' : (t - dialAt).toFixed(0)}`).join(', ');
}

function keygenMs(p: PhonebookProcess): number | undefined {
  const done = p.events.find(
    (e) => e.event === 'setup:progress' && e.step === 'identity' && e.phase === 'done',
  );
  return done?.elapsedMs as number | undefined;
}

function lastError(p: PhonebookProcess): string | undefined {
  const e = [...p.events].reverse().find((x: EventLine) => x.event === 'error' || x.event === 'call:failed');
  return e ? `${p.name}: ${String(e.code)} ${String(e.message ?? '')}`.trim() : undefined;
}

function speechLabel(a: SpeechSample, b: SpeechSample): string {
  const length = `${(a.durationMs / 1000).toFixed(1)} s and ${(b.durationMs / 1000).toFixed(1)} s`;
  return a.kind === 'espeak-ng'
    ? `real speech from espeak-ng + sox (${length})`
    : `synthetic speech-like signal (${length}): espeak-ng or sox is not installed`;
}

function match(a: DirectionAnalysis): string {
  return `envelope correlation ${a.envelope.toFixed(3)}, Bark distance ${a.barkDb.toFixed(1)} dB`;
}

const sub = (a: number | undefined, b: number) => (a === undefined ? undefined : a - b);
const ms = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');
const pct = (v: number | undefined) => (v === undefined ? 'no audio arrived' : `${v.toFixed(1)} %`);
const mos = (v: number | undefined) => (v === undefined ? 'none (no audio arrived)' : v.toFixed(2));
const kbps = (v: number) => `${v.toFixed(1)} kbit/s`;
const say = (text: string) => process.stdout.write(`${text}\n`);
const line = (label: string, text: string) => say(`  ${label.padEnd(13)}${text}`);
/** A path as seen from where the user typed the command (npm sets INIT_CWD; turbo runs us elsewhere). */
const shown = (path: string) => {
  const rel = relative(process.env.INIT_CWD ?? process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
};

function outputDir(argv: readonly string[]): string {
  const i = argv.indexOf('--out');
  if (i >= 0 && argv[i + 1]) return resolve(argv[i + 1]!);
  if (process.env.LEITUNG_DEMO_OUT) return resolve(process.env.LEITUNG_DEMO_OUT);
  return join(phonebookRoot(), 'demo-output');
}

async function main(): Promise<number> {
  const cleanup: Cleanup = { temp: undefined };
  const tidy = async () => {
    await stopAllChildren();
    if (cleanup.temp) await rm(cleanup.temp, { recursive: true, force: true });
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write('\ninterrupted: stopping the relay and the phonebooks …\n');
    void tidy().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await demo(outputDir(process.argv.slice(2)), cleanup);
    return 0;
  } catch (error) {
    if (interrupted) return 130;
    process.stderr.write(`\ndemo failed: ${describeError(error)}\n`);
    return 1;
  } finally {
    await tidy();
  }
}

main().then((code) => {
  process.exitCode = code;
});
