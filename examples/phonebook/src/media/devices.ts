/**
 * The sound card, found once at start-up: which device tools are installed (`arecord`/`aplay` from
 * alsa-utils, or `sox`, the same tools @leitung/audio/node runs for a call), which devices they list, and
 * whether a microphone and a speaker actually open — each tool is started as a call would start it and
 * watched for half a second: still running means the device works, an early exit means it does not, and
 * its last error line says why. So "no microphone" is known, and said in plain words, before any call,
 * instead of a raw ALSA error in the middle of one.
 *
 * Everything that runs a tool goes through a {@link ToolRunner}, so tests drive these paths without a
 * sound card (and without the tools).
 */
import { spawn } from 'node:child_process';
import type { AudioSink, AudioSource } from '@leitung/audio';
import { findExecutable, openCaptureDevice, openPlaybackDevice } from '@leitung/audio/node';

export interface ToolRun {
  /** Exit code; null when the tool was still running at the deadline (and was stopped then). */
  readonly code: number | null;
  /** The signal that ended it, when one did (e.g. SIGFPE: sox with no device). */
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Finds and runs the device tools; the real one spawns them, tests pass canned answers. */
export interface ToolRunner {
  /** Absolute path of the tool, or undefined when it is not installed. */
  which(tool: DeviceTool): string | undefined;
  /** Runs the tool for at most `ms` (then stops it) and reports how it ended. */
  run(
    path: string,
    args: readonly string[],
    options: { readonly ms: number; readonly env?: NodeJS.ProcessEnv },
  ): Promise<ToolRun>;
}

export type DeviceTool = 'arecord' | 'aplay' | 'sox';

export interface AudioDevice {
  /** The name to open it by (ALSA `-D`, sox AUDIODEV). */
  readonly name: string;
  /** What the tool says it is (may be empty). */
  readonly description: string;
}

export interface DeviceSide {
  /** The tool a call would use for this side (ALSA's first, else sox), or undefined: none installed. */
  readonly tool: DeviceTool | undefined;
  /** The chosen (or default) device opened: a call can use it. */
  readonly works: boolean;
  /** Why not, in the tool's words (its last error line), when it does not work. */
  readonly reason: string | undefined;
  /** Devices the tool lists (`arecord -L` / `aplay -L`; sox lists none: only its default). */
  readonly devices: readonly AudioDevice[];
}

/** What the start-up probe found. */
export interface AudioEnvironment {
  readonly input: DeviceSide;
  readonly output: DeviceSide;
}

/**
 * A capture device's frames; a device opened ahead of its call (early-microphone.ts) can drop what it
 * recorded meanwhile, all but the newest frame, and tells how many frames wait unread
 * (@leitung/audio/node's `ProcessSource`).
 */
export type CaptureSource = AudioSource & {
  keepNewest?(): void;
  /** Whole frames recorded and not read yet (capture-drift.ts). */
  readonly waitingFrames?: number;
};

/** Opens the system's devices for calls, the ring tone and the audio check; tests pass stand-ins. */
export interface DeviceAccess {
  /** Finds tools and devices and tries the chosen ones (once, at start-up, and when the choice changes). */
  probe(choice?: DeviceChoice): Promise<AudioEnvironment>;
  openCapture(device: string | undefined): Promise<CaptureSource>;
  openPlayback(device: string | undefined): Promise<AudioSink>;
}

/** Devices chosen on the settings screen; undefined: the system's default. */
export interface DeviceChoice {
  readonly input?: string | undefined;
  readonly output?: string | undefined;
}

/** How long a started tool must keep running to count as working. */
const OPEN_CHECK_MS = 500;
/** Listing devices is quick; a tool that hangs is not waited for. */
const LIST_MS = 3000;

const ALSA_RAW = ['-t', 'raw', '-f', 'S16_LE', '-r', '48000', '-c', '1'];

/** Probes with `runner` (default: the real tools on $PATH). */
export async function probeAudio(
  runner: ToolRunner = systemToolRunner(),
  choice: DeviceChoice = {},
): Promise<AudioEnvironment> {
  const [input, output] = await Promise.all([
    probeSide(runner, 'input', choice.input),
    probeSide(runner, 'output', choice.output),
  ]);
  return { input, output };
}

async function probeSide(
  runner: ToolRunner,
  side: 'input' | 'output',
  device: string | undefined,
): Promise<DeviceSide> {
  const alsa: DeviceTool = side === 'input' ? 'arecord' : 'aplay';
  const alsaPath = runner.which(alsa);
  const soxPath = alsaPath === undefined ? runner.which('sox') : undefined;
  if (alsaPath !== undefined) {
    const [list, open] = await Promise.all([
      runner.run(alsaPath, ['-L'], { ms: LIST_MS }),
      // arecord writes what it records to /dev/null; aplay plays silence from /dev/zero.
      runner.run(
        alsaPath,
        [
          '-q',
          ...ALSA_RAW,
          ...(device === undefined ? [] : ['-D', device]),
          side === 'input' ? '/dev/null' : '/dev/zero',
        ],
        { ms: OPEN_CHECK_MS },
      ),
    ]);
    return { tool: alsa, ...opened(open), devices: parseAlsaDeviceList(list.stdout) };
  }
  if (soxPath !== undefined) {
    const env = device === undefined ? undefined : { ...process.env, AUDIODEV: device };
    const args =
      side === 'input' ? ['-q', '-d', '-n'] : ['-q', '-n', '-r', '48000', '-c', '1', '-d', 'trim', '0', '10'];
    const open = await runner.run(soxPath, args, {
      ms: OPEN_CHECK_MS,
      ...(env === undefined ? {} : { env }),
    });
    return { tool: 'sox', ...opened(open), devices: [] };
  }
  return { tool: undefined, works: false, reason: undefined, devices: [] };
}

/** Still running at the deadline, or a clean exit: the device opened. Else the tool's own reason. */
function opened(run: ToolRun): { works: boolean; reason: string | undefined } {
  if (run.code === null && run.signal === null) return { works: true, reason: undefined };
  if (run.code === 0) return { works: true, reason: undefined };
  return { works: false, reason: failureReason(run) };
}

/** The line that says it best: sox's "FAIL" line, ALSA's "audio open error", else the last line. */
export function failureReason(run: ToolRun): string {
  const lines = run.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const best =
    lines.find((l) => /\bFAIL\b/.test(l)) ?? lines.find((l) => /open error/i.test(l)) ?? lines.at(-1);
  // "/usr/bin/sox FAIL sox: …" → "sox: …"; "ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default" →
  // "ALSA: Unknown PCM default".
  if (best !== undefined) return best.replace(/^\S*sox FAIL /, '').replace(/^ALSA lib [^ ]*\) /, 'ALSA: ');
  return run.signal !== null ? `the tool stopped with ${run.signal}` : `the tool exited with ${run.code}`;
}

/**
 * `arecord -L` / `aplay -L`: a name at the start of a line, its description indented below. `null`
 * (discards everything) is left out.
 */
export function parseAlsaDeviceList(text: string): AudioDevice[] {
  const devices: { name: string; description: string[] }[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line)) devices.at(-1)?.description.push(line.trim());
    else devices.push({ name: line.trim(), description: [] });
  }
  return devices
    .filter((d) => d.name !== 'null')
    .map((d) => ({ name: d.name, description: d.description.join(' — ') }));
}

/**
 * What the probe found, in plain words, for what this run will do: nothing when both sides work (or
 * files replace them), else one line per missing side saying what happens and what to do.
 */
export function audioProblems(
  env: AudioEnvironment,
  files: { readonly input: string | undefined; readonly output: string | undefined; readonly tone: boolean },
): string[] {
  const problems: string[] = [];
  if (files.input === undefined && !files.tone && !env.input.works) {
    problems.push(
      env.input.tool === undefined
        ? 'no microphone found (neither arecord nor sox is installed) — calls will send silence; use --input FILE.wav'
        : 'no microphone found — calls will send silence; use --input FILE.wav',
    );
  }
  if (files.output === undefined && !env.output.works) {
    problems.push(
      env.output.tool === undefined
        ? 'no speaker found (neither aplay nor sox is installed) — you will hear nothing; use --output FILE.wav'
        : 'no speaker found — you will hear nothing; use --output FILE.wav',
    );
  }
  return problems;
}

/** The real tools on $PATH. */
export function systemToolRunner(searchPath?: string): ToolRunner {
  return {
    which: (tool) => findExecutable(tool, searchPath),
    run: (path, args, { ms, env }) =>
      new Promise((resolve) => {
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        const child = spawn(path, [...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
          ...(env === undefined ? {} : { env }),
        });
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          stdout = (stdout + c).slice(-65_536);
        });
        child.stderr.setEncoding('utf8').on('data', (c: string) => {
          stderr = (stderr + c).slice(-4096);
        });
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 1000).unref();
        }, ms);
        child.once('error', (error) => {
          clearTimeout(timer);
          resolve({ code: 127, signal: null, stdout, stderr: `${stderr}\n${error.message}` });
        });
        child.once('close', (code, signal) => {
          clearTimeout(timer);
          resolve(
            timedOut
              ? { code: null, signal: null, stdout, stderr }
              : { code, signal: signal ?? null, stdout, stderr },
          );
        });
      }),
  };
}

/** The system's devices through @leitung/audio/node (arecord/aplay or sox), probed with `runner`. */
export function systemDevices(runner: ToolRunner = systemToolRunner()): DeviceAccess {
  return {
    probe: (choice) => probeAudio(runner, choice),
    openCapture: (device) => openCaptureDevice(device === undefined ? {} : { device }),
    openPlayback: (device) => openPlaybackDevice(device === undefined ? {} : { device }),
  };
}
