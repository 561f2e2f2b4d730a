/**
 * Headless mode, for scripts, the demo and the tests: set up, register, then either call a contact as
 * soon as it is reachable (`--call`), answer the first incoming call (`--auto-answer`), or just stay online.
 * Relays show a contact online only when it watches this client back (docs/protocol.md "Presence"), and an
 * auto-answering callee watches nobody in particular, so `--call` does not wait for an online flag: it
 * calls, and while the relay answers CALL_END `offline` (or the name is not registered yet) it calls again
 * every second — or at once when the contact shows up online — until `--timeout`.
 * A call lasts `--duration` seconds (or until the other side hangs up); then the final statistics are
 * printed (`call:stats`) and the program exits — or, with `--calls N`, places or awaits the next call
 * until N calls have ended (a warm process's later calls, for scripts and bench/web-phonebook).
 * Everything it prints is an event (event-output.ts).
 *
 * With `--rotate-key` it registers, rotates the identity key (docs/key-transparency.md, "Key rotation";
 * the new key is in the vault before the relay hears of it) and exits.
 *
 * `--export-identity` and `--change-passphrase` run here too (commands/identity-commands.ts): no relay.
 *
 * Every run holds the data directory's lock (config/data-lock.ts). Every event carries `self`, the own name.
 * A call to the own name or to a name the directory does not have fails at once (a verified look-up's
 * not-found is definitive); a known name that is offline is called again until --timeout.
 *
 * Exit status: 0 a call was set up and ended, the key was rotated, a command done (or, without a call
 * option, the program was stopped); 1 no call came about (timeout, contact offline or unknown, rejected,
 * failed checks), the rotation was refused, or setup failed; 2 the name is taken or breaks the name policy
 * (or the key is bound to another name): the command line must change (errors.ts exitStatusOf).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { type ClientSetup, checkName, NAME_FILE, rotateIdentity } from '@leitung/client';
import { PhonebookSession } from '../app/phonebook-session.js';
import { checkedName, sameName } from '../app/registration.js';
import { callStage } from '../app/state.js';
import type { PhonebookOptions } from '../cli/args.js';
import type { HiddenPrompt } from '../cli/terminal-prompt.js';
import { runIdentityCommand } from '../commands/identity-commands.js';
import { acquireDataLock, type DataLock } from '../config/data-lock.js';
import { openPhonebook } from '../config/open-phonebook.js';
import { configuredPassphrase } from '../config/passphrase.js';
import { ignoredLocalRelayList, ignoredRelayListNotice } from '../config/relays-file.js';
import { codeOf, exitStatusOf, PhonebookError, PhonebookErrorCode, plainMessage } from '../errors.js';
import { checkAudioFiles } from '../media/audio-io.js';
import { wallClock } from '../media/clock.js';
import { loadCodecs } from '../media/codecs.js';
import { jsonOutput, type OutputEvent, textOutput, withSelf } from './event-output.js';

export interface HeadlessIo {
  readonly stdout: Writable;
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  readonly stopRequested: Promise<void>;
  /** Asks for a passphrase on the terminal (the identity commands); undefined without one. */
  readonly prompt?: HiddenPrompt | undefined;
}

/** How a headless run tells the user to choose another name. */
const RENAME_HINT = 'Choose another name: run again with --name NAME';

export async function runHeadless(options: PhonebookOptions, io: HeadlessIo): Promise<number> {
  let self = knownName(options);
  const out = withSelf(options.json ? jsonOutput(io.stdout) : textOutput(io.stdout), () => self);
  const emit = (event: string, fields: Record<string, unknown> = {}) =>
    out.write({ event, t: wallClock(), ...fields } as OutputEvent);

  let session: PhonebookSession | undefined;
  let lock: DataLock | undefined;
  try {
    lock = await acquireDataLock(options.dataDir);
    if (options.exportIdentity !== undefined || options.changePassphrase) {
      await runIdentityCommand(options, { env: io.env, prompt: io.prompt, emit });
      return await finish(emit, undefined, 0, options.changePassphrase ? 'passphrase-changed' : 'exported');
    }
    // A name the policy refuses is refused before anything is created (exit status 2).
    const name = options.name === undefined ? undefined : checkedName(options.name, RENAME_HINT);
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
      name,
      importIdentity: options.importIdentity,
      strict: options.strict,
      // An unreachable relay is tried again until --timeout (registerClient stops the attempts).
      client: { codecs: codecs.offer, startAttempts: Number.MAX_SAFE_INTEGER },
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
    self = setup.client.name;
    session.onEvent((e) => out.write(e as unknown as OutputEvent));
    const stopped = io.stopRequested.then(() => 'stopped' as const);
    await Promise.race([
      session.start({ timeoutMs: options.timeoutS * 1000, renameHint: RENAME_HINT }),
      stopped,
    ]);
    if (await isSettled(stopped)) return finish(emit, session, 0, 'stopped');
    if (options.rotateKey) {
      const rotated = await rotateIdentity(setup);
      emit('identity:rotated', { previousClientId: rotated.previousClientId, clientId: rotated.clientId });
      return finish(emit, session, 0, 'rotated');
    }
    const code = await runScenario(options, session, stopped);
    return finish(emit, session, code.exit, code.why);
  } catch (error) {
    // The code once, in its own field; the message in words.
    emit('error', { code: codeOf(error) ?? 'UNKNOWN', message: plainMessage(error) });
    return finish(emit, session, exitStatusOf(error), 'error');
  } finally {
    lock?.release();
  }
}

/** The own name before the vault is open: --name, else client_name.txt of the data directory. */
function knownName(options: PhonebookOptions): string | undefined {
  let name = options.name;
  if (name === undefined) {
    try {
      name = readFileSync(join(options.dataDir, NAME_FILE), 'utf8').trim();
    } catch {
      return undefined;
    }
  }
  try {
    return checkName(name); // a name the policy refuses is no one's name (and is reported as the error)
  } catch {
    return undefined;
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
  if (options.call === undefined && !options.autoAnswer) {
    // Stay online (reachable in the phonebook) until stopped or for --duration.
    const duration =
      options.durationS === undefined ? new Promise<never>(() => {}) : timers.sleep(options.durationS * 1000);
    await Promise.race([stopped, duration]);
    return { exit: 0, why: 'stopped' };
  }
  // --calls N: the same scenario N times in this process; the first failure ends the run.
  for (let n = 1; ; n++) {
    const outcome = await oneCall(options, session, stopped, timers);
    if (outcome.why !== 'call-ended' || n >= options.calls) return outcome;
  }
}

/** One call placed (--call) or answered (--auto-answer), from dialling or waiting to its end. */
async function oneCall(
  options: PhonebookOptions,
  session: PhonebookSession,
  stopped: Promise<'stopped'>,
  timers: Timers,
): Promise<Outcome> {
  const sleep = (ms: number) => timers.sleep(ms);
  // --timeout counts for each call from the moment this one is dialled or awaited.
  const deadline = sleep(options.timeoutS * 1000).then(() => 'timeout' as const);
  if (options.call !== undefined) {
    const peer = options.call;
    if (sameName(peer, session.client.name)) {
      fail(PhonebookErrorCode.SelfCall, `"${peer}" is your own name: a phonebook cannot call itself`);
    }
    let offlineSaid = false;
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
        fail(
          PhonebookErrorCode.ContactUnavailable,
          `"${peer}" is offline and did not come online within --timeout (${options.timeoutS} s)`,
        );
      }
      if (first.call?.phase === 'ended' && first.call.code === 'RELAY_ERR_NOT_FOUND') {
        // A verified look-up said so: waiting would not help.
        fail(PhonebookErrorCode.NotRegistered, `no one is registered as "${peer}" on this relay`);
      }
      if (first.call?.phase !== 'ended' || first.call.reason !== 'offline') break;
      if (!offlineSaid) {
        offlineSaid = true;
        session.notify(
          'info',
          `"${peer}" is offline; calling again every second until --timeout (${options.timeoutS} s)`,
        );
      }
      // Not reachable yet: again in a second, or as soon as the contact shows up online.
      const online = waitForState(session, (s) => s.contacts.some((c) => c.name === peer && c.online));
      const next = await Promise.race([online.then(() => 'retry' as const), sleep(1000), deadline, stopped]);
      online.cancel();
      if (next === 'stopped') return { exit: 0, why: 'stopped' };
      if (next === 'timeout') {
        fail(
          PhonebookErrorCode.ContactUnavailable,
          `"${peer}" is offline and did not come online within --timeout (${options.timeoutS} s)`,
        );
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
  /** Timers of earlier calls (a --timeout that was not needed) stay until the scenario is over. */
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
