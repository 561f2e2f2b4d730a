/**
 * Headless mode, for scripts, the demo and the tests: set up, register, then either call a contact as
 * soon as it is reachable (`--call`), answer the first incoming call (`--auto-answer`), or just stay online.
 * Relays show a contact online only when it watches this client back (docs/protocol.md "Presence"), and an
 * auto-answering callee watches nobody in particular, so `--call` does not wait for an online flag: it
 * calls, and while the relay answers CALL_END `offline` (or the name is not registered yet) it calls again
 * every second — or at once when the contact shows up online — until `--timeout`.
 * A call lasts `--duration` seconds (or until the other side hangs up); then the final statistics are
 * printed (`call:stats`) and the program exits. Everything it prints is an event (event-output.ts).
 *
 * With `--rotate-key` it registers, rotates the identity key (docs/key-transparency.md, "Key rotation";
 * the new key is in the vault before the relay hears of it) and exits.
 *
 * Exit status: 0 a call was set up and ended, the key was rotated (or, without a call option, the program
 * was stopped); 1 no call came about (timeout, contact offline, rejected, failed checks), the rotation was
 * refused, or setup failed.
 */
import type { Writable } from 'node:stream';
import { type CallSnapshot, type ClientSetup, rotateIdentity } from '@leitung/client';
import { PhonebookSession } from '../app/phonebook-session.js';
import { callStage } from '../app/state.js';
import type { PhonebookOptions } from '../cli/args.js';
import { openPhonebook } from '../config/open-phonebook.js';
import { configuredPassphrase } from '../config/passphrase.js';
import { ignoredLocalRelayList, ignoredRelayListNotice } from '../config/relays-file.js';
import { codeOf, describeError, PhonebookError, PhonebookErrorCode } from '../errors.js';
import { checkAudioFiles } from '../media/audio-io.js';
import { wallClock } from '../media/clock.js';
import { loadCodecs } from '../media/codecs.js';
import { jsonOutput, type OutputEvent, textOutput } from './event-output.js';

export interface HeadlessIo {
  readonly stdout: Writable;
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  readonly stopRequested: Promise<void>;
}

export async function runHeadless(options: PhonebookOptions, io: HeadlessIo): Promise<number> {
  const out = options.json ? jsonOutput(io.stdout) : textOutput(io.stdout);
  const emit = (event: string, fields: Record<string, unknown> = {}) =>
    out.write({ event, t: wallClock(), ...fields } as OutputEvent);

  let session: PhonebookSession | undefined;
  try {
    const passphrase = await configuredPassphrase(options.passphraseFile, io.env);
    if (passphrase === undefined) {
      throw new PhonebookError(
        PhonebookErrorCode.NoPassphrase,
        'headless mode needs the vault passphrase: --passphrase-file FILE or LEITUNG_PASSPHRASE',
      );
    }
    // Before the (possibly seconds-long) identity creation: a wrong file name should fail at once.
    const audio = { input: options.input, output: options.output, tone: options.tone };
    await checkAudioFiles(audio);
    const codecs = loadCodecs(options.codec);
    const ignored = ignoredLocalRelayList(options.relaysFile, options.addRelayFile);
    if (ignored !== undefined) emit('notice', { level: 'warn', text: ignoredRelayListNotice(ignored) });
    let lastTick = 0;
    const setup = await openPhonebook({
      dataDir: options.dataDir,
      passphrase,
      relaysFile: options.relaysFile,
      addRelayFile: options.addRelayFile,
      name: options.name,
      importIdentity: options.importIdentity,
      strict: options.strict,
      client: { codecs: codecs.offer },
      onProgress: (p) => {
        if (p.step === 'identity' && p.keygen !== undefined) {
          // Key generation reports every 250 ms; once a second is enough for a log.
          if (p.keygen.phase === 'working' && p.keygen.elapsedMs - lastTick < 1000) return;
          lastTick = p.keygen.elapsedMs;
          emit('setup:progress', { step: 'identity', phase: p.keygen.phase, elapsedMs: p.keygen.elapsedMs });
          return;
        }
        if (p.step === 'relays') {
          // A new pin is shown with its fingerprint, to compare with what the relay's operator published.
          for (const r of p.pinned) {
            emit('relay:pinned', { relay: `${r.host}:${r.port}`, fingerprint: r.fingerprint });
          }
          emit('setup:progress', { step: 'relays', using: p.using, pinned: p.pinned.length });
          return;
        }
        emit('setup:progress', { ...p });
      },
    });
    if (setup.pendingRotation !== undefined) {
      emit('notice', { level: 'info', text: pendingRotationNotice(setup.pendingRotation) });
    }
    session = new PhonebookSession({
      client: setup.client,
      monitor: setup.monitor,
      codec: codecs.send,
      receiveCodecs: codecs.receive,
      audio,
      watch: setup.vault.contacts().map((contact) => contact.name),
    });
    session.onEvent((e) => out.write(e as unknown as OutputEvent));
    const stopped = io.stopRequested.then(() => 'stopped' as const);
    await Promise.race([session.start(), stopped]);
    if (await isSettled(stopped)) return finish(emit, session, 0, 'stopped');
    if (options.rotateKey) {
      const rotated = await rotateIdentity(setup);
      emit('identity:rotated', { previousClientId: rotated.previousClientId, clientId: rotated.clientId });
      return finish(emit, session, 0, 'rotated');
    }
    const code = await runScenario(options, session, stopped);
    return finish(emit, session, code.exit, code.why);
  } catch (error) {
    emit('error', { code: codeOf(error) ?? 'UNKNOWN', message: describeError(error) });
    return finish(emit, session, 1, 'error');
  }
}

type Outcome = { readonly exit: number; readonly why: string };

function pendingRotationNotice(outcome: NonNullable<ClientSetup['pendingRotation']>): string {
  switch (outcome) {
    case 'completed':
      return 'an interrupted key rotation had reached the relay: the new key is the identity now';
    case 'abandoned':
      return 'an interrupted key rotation had not reached the relay: the old key stays';
    case 'unresolved':
      return 'an interrupted key rotation could not be settled (no relay answered): the old key is used for now';
  }
}

function fail(code: PhonebookError['code'], message: string): never {
  throw new PhonebookError(code, message);
}

async function runScenario(
  options: PhonebookOptions,
  session: PhonebookSession,
  stopped: Promise<'stopped'>,
): Promise<Outcome> {
  const timers = new Timers();
  try {
    return await scenario(options, session, stopped, timers);
  } finally {
    timers.clear();
  }
}

async function scenario(
  options: PhonebookOptions,
  session: PhonebookSession,
  stopped: Promise<'stopped'>,
  timers: Timers,
): Promise<Outcome> {
  const sleep = (ms: number) => timers.sleep(ms);
  const deadline = sleep(options.timeoutS * 1000).then(() => 'timeout' as const);
  if (options.call === undefined && !options.autoAnswer) {
    // Stay online (reachable in the phonebook) until stopped or for --duration.
    const duration =
      options.durationS === undefined ? new Promise<never>(() => {}) : sleep(options.durationS * 1000);
    await Promise.race([stopped, duration]);
    return { exit: 0, why: 'stopped' };
  }

  if (options.call !== undefined) {
    const peer = options.call;
    for (;;) {
      const before = session.getState().call?.callId;
      void session.call(peer);
      // Set up, or ended (CALL_END offline comes right after the request: no waiting for a ring timeout).
      const settled = waitForState(
        session,
        (s) =>
          s.call !== undefined &&
          s.call.callId !== before &&
          (callStage(s.call) === 'live' || s.call.phase === 'ended'),
      );
      const first = await Promise.race([settled, deadline, stopped]);
      settled.cancel();
      if (first === 'stopped') {
        session.hangUp();
        return { exit: 0, why: 'stopped' };
      }
      if (first === 'timeout') {
        const call = session.getState().call;
        session.hangUp();
        if (call?.phase === 'ringing') {
          fail(PhonebookErrorCode.CallFailed, 'the call was not set up within --timeout');
        }
        fail(PhonebookErrorCode.ContactUnavailable, `${peer} did not come online within --timeout`);
      }
      if (first.call?.phase !== 'ended' || !unreachable(first.call)) break;
      // Not reachable yet: again in a second, or as soon as the contact shows up online.
      const online = waitForState(session, (s) => s.contacts.some((c) => c.name === peer && c.online));
      const next = await Promise.race([online.then(() => 'retry' as const), sleep(1000), deadline, stopped]);
      online.cancel();
      if (next === 'stopped') return { exit: 0, why: 'stopped' };
      if (next === 'timeout') {
        fail(PhonebookErrorCode.ContactUnavailable, `${peer} did not come online within --timeout`);
      }
    }
  } else {
    const ringing = waitForState(session, (s) => callStage(s.call) === 'incoming');
    const first = await Promise.race([ringing.then(() => 'ringing' as const), deadline, stopped]);
    ringing.cancel();
    if (first !== 'ringing') {
      return first === 'stopped'
        ? { exit: 0, why: 'stopped' }
        : fail(PhonebookErrorCode.Timeout, 'no incoming call within --timeout');
    }
    session.answer();
  }

  // Set up, or failed?
  const up = waitForState(
    session,
    (s) => callStage(s.call) === 'live' || (s.call !== undefined && s.call.phase === 'ended'),
  );
  const state = await Promise.race([up, deadline, stopped]);
  up.cancel();
  if (state === 'stopped') return { exit: 0, why: 'stopped' };
  if (state === 'timeout') {
    session.hangUp();
    fail(PhonebookErrorCode.CallFailed, 'the call was not set up within --timeout');
  }
  if (callStage(state.call) !== 'live') {
    const call = state.call;
    const why =
      call === undefined ? 'no call' : call.phase === 'ended' ? (call.code ?? call.reason) : call.phase;
    fail(PhonebookErrorCode.CallFailed, `the call was not set up (${why})`);
  }

  // In the call until it ends, --duration passes, or we are stopped.
  const ended = waitForState(session, (s) => s.call?.phase === 'ended');
  const limit =
    options.durationS === undefined ? new Promise<never>(() => {}) : sleep(options.durationS * 1000);
  const how = await Promise.race([
    ended.then(() => 'ended' as const),
    limit.then(() => 'duration' as const),
    stopped,
  ]);
  if (how !== 'ended') {
    session.hangUp();
    await ended;
  }
  ended.cancel();
  await session.settled();
  return { exit: 0, why: how === 'stopped' ? 'stopped' : 'call-ended' };
}

async function finish(
  emit: (event: string, fields?: Record<string, unknown>) => void,
  session: PhonebookSession | undefined,
  exit: number,
  why: string,
): Promise<number> {
  await session?.close();
  emit('exit', { code: exit, why });
  return exit;
}

/** A call that ended because the callee is not connected, or not (yet) in the directory: worth retrying. */
function unreachable(call: Extract<CallSnapshot, { phase: 'ended' }>): boolean {
  return call.reason === 'offline' || call.code === 'RELAY_ERR_NOT_FOUND';
}

type Cancellable<T> = Promise<T> & { cancel(): void };

/** Resolves with the first state that satisfies `test` (checked now and after every change). */
function waitForState<T extends ReturnType<PhonebookSession['getState']>>(
  session: PhonebookSession,
  test: (state: T) => boolean,
): Cancellable<T> {
  let unsubscribe = () => {};
  const promise = new Promise<T>((resolve) => {
    const check = () => {
      const state = session.getState() as T;
      if (test(state)) {
        unsubscribe();
        resolve(state);
      }
    };
    unsubscribe = session.subscribe(check);
    check();
  }) as Cancellable<T>;
  promise.cancel = () => unsubscribe();
  return promise;
}

/** Timers that keep the process alive while it waits, all cleared when the scenario is over. */
class Timers {
  readonly #pending = new Set<NodeJS.Timeout>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(timer);
        resolve();
      }, ms);
      this.#pending.add(timer);
    });
  }

  clear(): void {
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
  }
}

async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  return (await Promise.race([promise, Promise.resolve(marker)])) !== marker;
}
