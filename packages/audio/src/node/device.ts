/**
 * System audio devices through child processes: `arecord`/`aplay` (ALSA) or `sox` (its default device,
 * `-d`; AUDIODEV selects another). They exchange raw 48 kHz mono signed 16-bit little-endian PCM over
 * pipes. Back-pressure comes from the pipes: a capture stream that is not read fills the pipe and the
 * recorder blocks; a playback write resolves only when the pipe has room.
 *
 * Errors: a tool that is not installed → AUDIO_ERR_DEVICE_UNAVAILABLE (from `open*`); a tool that
 * starts and then fails (no sound card, device busy) → AUDIO_ERR_DEVICE_FAILED from the next `read` or
 * `write`, with the tool's last stderr line. `close` stops the child (SIGTERM, then SIGKILL after a
 * grace period) and always waits for it to exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { assertPlayoutFrame, FRAME_SAMPLES, SAMPLE_RATE } from '../audio-format.js';
import type { AudioSink, AudioSource } from '../audio-stream.js';
import { AudioError } from '../errors.js';
import { int16FromLittleEndian, littleEndianFromInt16 } from '../wav.js';

/** A program that can record from the capture device: ALSA's `arecord` or `sox`. */
export type CaptureTool = 'arecord' | 'sox';
/** A program that can play to the playback device: ALSA's `aplay` or `sox`. */
export type PlaybackTool = 'aplay' | 'sox';

/**
 * Options of {@link openCaptureDevice} and {@link openPlaybackDevice}: which tool to run, which device, and
 * where to look for the tools.
 */
export interface DeviceOptions<Tool extends string> {
  /** Which tool to run; default: the ALSA tool if installed, else sox. */
  readonly tool?: Tool;
  /** Device name (ALSA `-D` for arecord/aplay; AUDIODEV for sox); default: the system default. */
  readonly device?: string;
  /** Directories searched for the tools; default: $PATH. */
  readonly searchPath?: string;
}

/** A source or sink backed by a child process. */
export interface ProcessHandle {
  /** The child's process id (undefined once it could not start). */
  readonly pid: number | undefined;
}

/**
 * An audio source read from a child process's stdout ({@link openCaptureDevice}, {@link spawnPcmSource});
 * `close` kills the child.
 */
export interface ProcessSource extends AudioSource, ProcessHandle {
  /**
   * Drops what the child recorded and nobody read yet, except the newest whole frame (and the start of
   * the next one): for a capture device opened ahead of a call, so that the call begins with the last
   * 20 ms said instead of carrying the audio recorded meanwhile as delay for its whole length.
   */
  keepNewest(): void;
  /**
   * Whole frames the child recorded that nobody has read yet: how far a reader paced by another clock
   * lags behind the device (the device's clock drifts against the system's).
   */
  readonly waitingFrames: number;
}
/**
 * An audio sink written into a child process's stdin ({@link openPlaybackDevice}, {@link spawnPcmSink});
 * `close` lets the child play what is queued, then stops it.
 */
export type ProcessSink = AudioSink & ProcessHandle;

/**
 * Options of {@link spawnPcmSource} and {@link spawnPcmSink}: the child's environment and, for sinks, how long
 * `close` waits for the child to drain.
 */
export interface SpawnOptions {
  /** Environment of the child; default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Sinks only: how long `close` lets the child play what is still queued before stopping it;
   * default 10 000 ms.
   */
  readonly closeTimeoutMs?: number;
}

const FRAME_BYTES = FRAME_SAMPLES * 2;
const KILL_GRACE_MS = 2000;
const DRAIN_TIMEOUT_MS = 10_000;

/** Absolute path of `name` on the search path, or undefined. */
export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  const candidates = isAbsolute(name)
    ? [name]
    : searchPath
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Which device tools are installed. */
export function availableAudioTools(searchPath?: string): Record<'arecord' | 'aplay' | 'sox', boolean> {
  return {
    arecord: findExecutable('arecord', searchPath) !== undefined,
    aplay: findExecutable('aplay', searchPath) !== undefined,
    sox: findExecutable('sox', searchPath) !== undefined,
  };
}

const RAW_FORMAT_SOX = [
  '-t',
  'raw',
  '-r',
  String(SAMPLE_RATE),
  '-e',
  'signed-integer',
  '-b',
  '16',
  '-c',
  '1',
  '-L',
];
const RAW_FORMAT_ALSA = ['-t', 'raw', '-f', 'S16_LE', '-r', String(SAMPLE_RATE), '-c', '1'];

/** Opens the capture device (microphone) as a source of 20 ms frames. */
export async function openCaptureDevice(options: DeviceOptions<CaptureTool> = {}): Promise<ProcessSource> {
  const tool = pickTool(options, ['arecord', 'sox']);
  const device = options.device;
  if (tool.name === 'arecord') {
    return spawnPcmSource(tool.path, ['-q', ...RAW_FORMAT_ALSA, ...(device ? ['-D', device] : [])]);
  }
  return spawnPcmSource(tool.path, ['-q', '-d', ...RAW_FORMAT_SOX, '-'], soxEnv(device));
}

/** Opens the playback device (speaker) as a sink of 20 ms frames (15–25 ms while a receiver resizes them). */
export async function openPlaybackDevice(options: DeviceOptions<PlaybackTool> = {}): Promise<ProcessSink> {
  const tool = pickTool(options, ['aplay', 'sox']);
  const device = options.device;
  if (tool.name === 'aplay') {
    return spawnPcmSink(tool.path, ['-q', ...RAW_FORMAT_ALSA, ...(device ? ['-D', device] : [])]);
  }
  return spawnPcmSink(tool.path, ['-q', ...RAW_FORMAT_SOX, '-', '-d'], soxEnv(device));
}

function soxEnv(device: string | undefined): SpawnOptions {
  return device === undefined ? {} : { env: { ...process.env, AUDIODEV: device } };
}

function pickTool<T extends string>(
  options: DeviceOptions<T>,
  order: readonly T[],
): { name: T; path: string } {
  const names = options.tool === undefined ? order : [options.tool];
  for (const name of names) {
    if (!order.includes(name)) {
      throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', `unsupported audio tool ${String(name)}`);
    }
    const path = findExecutable(name, options.searchPath);
    if (path !== undefined) return { name, path };
  }
  throw new AudioError(
    'AUDIO_ERR_DEVICE_UNAVAILABLE',
    `no audio device tool found (looked for ${names.join(', ')}); install alsa-utils or sox`,
  );
}

/**
 * Runs `command` and reads raw 48 kHz mono s16le PCM from its stdout as frames. Resolves once the
 * process has started; rejects with AUDIO_ERR_DEVICE_UNAVAILABLE when it cannot be started.
 */
export async function spawnPcmSource(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<ProcessSource> {
  const child = await start(command, args, ['ignore', 'pipe', 'pipe'], options.env);
  return new ChildSource(child);
}

/** Runs `command` and writes frames as raw 48 kHz mono s16le PCM into its stdin. */
export async function spawnPcmSink(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<ProcessSink> {
  const timeout = options.closeTimeoutMs ?? DRAIN_TIMEOUT_MS;
  if (!(typeof timeout === 'number' && timeout >= 0 && Number.isFinite(timeout))) {
    throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'closeTimeoutMs must be a finite number ≥ 0');
  }
  const child = await start(command, args, ['pipe', 'ignore', 'pipe'], options.env);
  return new ChildSink(child, timeout);
}

function start(
  command: string,
  args: readonly string[],
  stdio: ['ignore' | 'pipe', 'ignore' | 'pipe', 'pipe'],
  env: NodeJS.ProcessEnv | undefined,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, [...args], { stdio, ...(env === undefined ? {} : { env }) });
    } catch (cause) {
      reject(new AudioError('AUDIO_ERR_DEVICE_UNAVAILABLE', `cannot start ${command}`, { cause }));
      return;
    }
    const onError = (cause: Error) => {
      reject(new AudioError('AUDIO_ERR_DEVICE_UNAVAILABLE', `cannot start ${command}`, { cause }));
    };
    child.once('error', onError);
    child.once('spawn', () => {
      child.off('error', onError);
      resolve(child);
    });
  });
}

/** Exit bookkeeping shared by source and sink. */
class ChildWatch {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  exitCode: number | null = null;
  signal: NodeJS.Signals | null = null;
  running = true;
  killedByUs = false;
  #stderrTail = '';

  constructor(child: ChildProcess) {
    this.child = child;
    // After 'spawn', process errors (e.g. a failed kill) must not become unhandled 'error' events.
    child.on('error', () => undefined);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#stderrTail = (this.#stderrTail + chunk).slice(-512);
    });
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.running = false;
        this.exitCode = code;
        this.signal = signal;
        resolve();
      });
    });
  }

  failure(): AudioError | undefined {
    if (this.running || this.killedByUs || this.exitCode === 0) return undefined;
    const lastLine = this.#stderrTail.trim().split('\n').pop() ?? '';
    const how = this.exitCode !== null ? `exit code ${this.exitCode}` : `signal ${this.signal}`;
    return new AudioError(
      'AUDIO_ERR_DEVICE_FAILED',
      `audio tool failed (${how})${lastLine ? `: ${lastLine}` : ''}`,
    );
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.killedByUs = true;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) this.child.kill('SIGKILL');
    }, KILL_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Bytes held in memory before the capture pipe is paused (≈ 0.7 s of audio). */
const SOURCE_BUFFER_BYTES = 64 * 1024;

class ChildSource implements ProcessSource {
  readonly #watch: ChildWatch;
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  #ended = false;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(child: ChildProcess) {
    this.#watch = new ChildWatch(child);
    const stdout = child.stdout!;
    // Flowing mode with explicit pause/resume: at most SOURCE_BUFFER_BYTES wait here, beyond that the
    // pipe fills and the recorder blocks. Waiting on real 'data'/'end' events (not 'readable', which
    // re-fires at once while too few bytes are buffered) keeps the event loop free.
    stdout.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered >= SOURCE_BUFFER_BYTES) stdout.pause();
      this.#notify();
    });
    const finish = () => {
      this.#ended = true;
      this.#notify();
    };
    stdout.once('end', finish);
    stdout.once('close', finish);
  }

  get pid(): number | undefined {
    return this.#watch.child.pid;
  }

  async read(): Promise<Int16Array | null> {
    for (;;) {
      if (this.#closed) return null;
      if (this.#buffered >= FRAME_BYTES || (this.#ended && this.#buffered > 0)) return this.#take();
      if (this.#ended) {
        await this.#watch.exited;
        const failure = this.#watch.failure();
        if (failure !== undefined) throw failure;
        return null;
      }
      this.#watch.child.stdout!.resume();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  get waitingFrames(): number {
    return Math.floor(this.#buffered / FRAME_BYTES);
  }

  keepNewest(): void {
    // Whole frames go, so what stays starts on a sample boundary: one whole frame, then the part of the
    // next one that has arrived.
    let drop = (Math.floor(this.#buffered / FRAME_BYTES) - 1) * FRAME_BYTES;
    if (drop <= 0) return;
    this.#buffered -= drop;
    while (drop > 0) {
      const head = this.#chunks[0]!;
      if (head.length <= drop) {
        this.#chunks.shift();
        drop -= head.length;
      } else {
        this.#chunks[0] = head.subarray(drop);
        drop = 0;
      }
    }
    if (this.#buffered < SOURCE_BUFFER_BYTES && !this.#ended) this.#watch.child.stdout?.resume();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#chunks.length = 0;
    this.#buffered = 0;
    this.#notify();
    // Close our end of the pipe first: a recorder blocked on a full pipe then fails its write and
    // exits, even one (like sox) that handles SIGTERM by trying to flush.
    this.#watch.child.stdout?.destroy();
    await this.#watch.stop();
  }

  /** Cuts one frame off the front of the buffered bytes (zero-padded at the very end). */
  #take(): Int16Array {
    const bytes = new Uint8Array(FRAME_BYTES);
    let filled = 0;
    while (filled < FRAME_BYTES && this.#chunks.length > 0) {
      const head = this.#chunks[0]!;
      const n = Math.min(head.length, FRAME_BYTES - filled);
      bytes.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.#chunks.shift();
      else this.#chunks[0] = head.subarray(n);
    }
    this.#buffered -= filled;
    if (this.#buffered < SOURCE_BUFFER_BYTES && !this.#ended) this.#watch.child.stdout?.resume();
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(int16FromLittleEndian(bytes));
    return frame;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

class ChildSink implements ProcessSink {
  readonly #watch: ChildWatch;
  readonly #closeTimeoutMs: number;
  #pipeError: Error | undefined;
  #closed = false;

  constructor(child: ChildProcess, closeTimeoutMs: number) {
    this.#watch = new ChildWatch(child);
    this.#closeTimeoutMs = closeTimeoutMs;
    child.stdin!.on('error', (err) => {
      this.#pipeError = err;
    });
  }

  get pid(): number | undefined {
    return this.#watch.child.pid;
  }

  async write(frame: Int16Array): Promise<void> {
    if (this.#closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the playback sink is closed');
    assertPlayoutFrame(frame);
    this.#throwIfFailed();
    const stdin = this.#watch.child.stdin!;
    if (stdin.write(littleEndianFromInt16(frame))) return;
    await Promise.race([
      new Promise<void>((resolve) => stdin.once('drain', resolve)),
      this.#watch.exited,
      new Promise<void>((resolve) => stdin.once('error', () => resolve())),
    ]);
    this.#throwIfFailed();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const stdin = this.#watch.child.stdin!;
    if (this.#watch.running && !stdin.destroyed) stdin.end();
    const timer = setTimeout(() => {
      // Unplayed audio is dropped; the pipe goes first so a blocked child cannot hold us up.
      stdin.destroy();
      void this.#watch.stop();
    }, this.#closeTimeoutMs);
    await this.#watch.exited;
    clearTimeout(timer);
    const failure = this.#watch.failure();
    if (failure !== undefined) throw failure;
  }

  #throwIfFailed(): void {
    const failure = this.#watch.failure();
    if (failure !== undefined) throw failure;
    if (this.#pipeError !== undefined || !this.#watch.running) {
      throw new AudioError('AUDIO_ERR_DEVICE_FAILED', 'the audio tool stopped accepting audio', {
        cause: this.#pipeError,
      });
    }
  }
}
