/**
 * Where a call's audio comes from and goes to: a WAV file, a test tone, or the system's devices
 * (arecord/aplay or sox through @leitung/audio/node). A machine without a sound card still works: a
 * device that cannot be opened, or fails once running, is replaced by silence (capture) or by a sink
 * that discards (playback), and the program says so once.
 */
import {
  type AudioSink,
  type AudioSource,
  createSilenceSource,
  createToneSource,
  FRAME_SAMPLES,
} from '@leitung/audio';
import { createWavFileSink, openWavFileSource } from '@leitung/audio/node';
import { describeError } from '../errors.js';
import { CaptureDrift } from './capture-drift.js';
import { type CaptureSource, type DeviceAccess, systemDevices } from './devices.js';

export interface AudioChoice {
  readonly input: string | undefined;
  readonly output: string | undefined;
  readonly tone: boolean;
  /** Devices chosen on the settings screen (ALSA `-D`, sox AUDIODEV); undefined: the system's default. */
  readonly inputDevice?: string | undefined;
  readonly outputDevice?: string | undefined;
  /**
   * What the start-up probe found (devices.ts): `false` means there is no such device, so a call sends
   * silence / discards what it hears without trying — the user was told in plain words at start-up.
   */
  readonly microphone?: boolean | undefined;
  readonly speaker?: boolean | undefined;
}

export interface OpenedSource {
  readonly source: AudioSource;
  /**
   * For a capture device: drops what it recorded and nobody read, all but the newest frame — called when
   * the call's audio starts, for a microphone opened while the phone rang (early-microphone.ts).
   */
  readonly keepNewest?: () => void;
  /** What the user sees: `file speech.wav`, `tone 440 Hz`, `microphone`, `silence` (current value). */
  readonly label: string;
}

export interface OpenedSink {
  readonly sink: AudioSink;
  /** `file out.wav`, `speaker`, `discarded` (current value: a failed device changes it). */
  readonly label: string;
}

export type Notify = (text: string) => void;

export const TONE_HZ = 440;

export async function openCallSource(
  choice: AudioChoice,
  notify: Notify,
  devices: DeviceAccess = systemDevices(),
): Promise<OpenedSource> {
  if (choice.input !== undefined) {
    // A file ends; the call need not. Silence afterwards keeps the stream (and its statistics) going.
    const file = await openWavFileSource(choice.input);
    return { source: thenSilence(file), label: `file ${choice.input}` };
  }
  if (choice.tone)
    return { source: createToneSource({ frequency: TONE_HZ, amplitude: 0.3 }), label: `tone ${TONE_HZ} Hz` };
  if (choice.microphone === false) return { source: createSilenceSource(), label: 'silence (no microphone)' };
  try {
    const device = await devices.openCapture(choice.inputDevice);
    const opened = {
      label: 'microphone',
      keepNewest: () => device.keepNewest?.(),
      source: withFallbackSource(withDriftTrim(device), (text) => {
        opened.label = 'silence (microphone failed)';
        notify(text);
      }),
    };
    return opened;
  } catch (error) {
    notify(`no microphone (${describeError(error)}); sending silence`);
    return { source: createSilenceSource(), label: 'silence' };
  }
}

export async function openCallSink(
  choice: AudioChoice,
  notify: Notify,
  devices: DeviceAccess = systemDevices(),
): Promise<OpenedSink> {
  if (choice.output !== undefined) {
    return { sink: await createWavFileSink(choice.output), label: `file ${choice.output}` };
  }
  if (choice.speaker === false) return { sink: discardSink(), label: 'discarded (no speaker)' };
  try {
    const device = await devices.openPlayback(choice.outputDevice);
    const opened = {
      label: 'speaker',
      sink: withFallbackSink(device, (text) => {
        opened.label = 'discarded (speaker failed)';
        notify(text);
      }),
    };
    return opened;
  } catch (error) {
    notify(`no speaker (${describeError(error)}); received audio is discarded`);
    return { sink: discardSink(), label: 'discarded' };
  }
}

/**
 * Opens and closes the chosen files once at start-up: a missing input or an unwritable output directory
 * fails at once (AUDIO_ERR_…), not when a call is answered — and the file code paths are warm by the first
 * call, which keeps their first-use cost out of call setup.
 */
export async function checkAudioFiles(choice: AudioChoice): Promise<void> {
  if (choice.input !== undefined) {
    const source = await openWavFileSource(choice.input);
    try {
      await source.read();
    } finally {
      await source.close();
    }
  }
  if (choice.output !== undefined) await (await createWavFileSink(choice.output)).abort();
}

/** The source's frames, then silence until closed. */
export function thenSilence(inner: AudioSource): AudioSource {
  let ended = false;
  let closed = false;
  return {
    read: async () => {
      if (closed) return null;
      if (!ended) {
        const frame = await inner.read();
        if (frame !== null) return frame;
        ended = true;
        await inner.close();
      }
      return new Int16Array(FRAME_SAMPLES);
    },
    close: async () => {
      closed = true;
      if (!ended) await inner.close();
    },
  };
}

/**
 * A device source whose backlog from clock drift is cut a frame at a time (capture-drift.ts); a source that
 * does not tell its backlog is read as it is.
 */
export function withDriftTrim(device: CaptureSource): AudioSource {
  const drift = new CaptureDrift();
  return {
    read: async () => {
      const waiting = device.waitingFrames;
      if (waiting !== undefined && drift.beforeRead(waiting)) await device.read();
      return device.read();
    },
    close: () => device.close(),
  };
}

/** A device source that turns into silence when the device fails (e.g. `sox -d` with no sound card). */
function withFallbackSource(inner: AudioSource, notify: Notify): AudioSource {
  let failed = false;
  return {
    read: async () => {
      if (!failed) {
        try {
          return await inner.read();
        } catch (error) {
          failed = true;
          notify(`microphone failed (${describeError(error)}); sending silence`);
          await inner.close().catch(() => undefined);
        }
      }
      return new Int16Array(FRAME_SAMPLES);
    },
    close: () => (failed ? Promise.resolve() : inner.close()),
  };
}

function withFallbackSink(inner: AudioSink, notify: Notify): AudioSink {
  let failed = false;
  return {
    write: async (frame) => {
      if (failed) return;
      try {
        await inner.write(frame);
      } catch (error) {
        failed = true;
        notify(`speaker failed (${describeError(error)}); received audio is discarded`);
        await inner.close().catch(() => undefined);
      }
    },
    close: () => (failed ? Promise.resolve() : inner.close()),
  };
}

/** Accepts every frame and keeps none (the receive stream paces itself). */
export function discardSink(): AudioSink {
  return { write: async () => undefined, close: async () => undefined };
}
