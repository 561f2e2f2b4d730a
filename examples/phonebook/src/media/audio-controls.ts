/**
 * Mute and volume, as a phone has them. Mute replaces every frame that goes out by silence — the stream
 * keeps running (the other side receives silence, and the quality figures keep their meaning) — and
 * volume scales what is played (0–150 %, clipped at full scale). Both are read at each frame, so a key
 * press acts within 20 ms, and the wrappers sit on the call's source and sink like the level meters do.
 */
import type { AudioSink, AudioSource } from '@leitung/audio';

export const VOLUME_MIN = 0;
export const VOLUME_MAX = 150;
export const VOLUME_STEP = 10;
export const VOLUME_DEFAULT = 100;

export interface AudioControls {
  /** Sends silence instead of the microphone (or file, or tone). */
  muted: boolean;
  /** Playback volume, percent. */
  volume: number;
}

export function clampVolume(volume: number): number {
  if (!Number.isFinite(volume)) return VOLUME_DEFAULT;
  return Math.min(VOLUME_MAX, Math.max(VOLUME_MIN, Math.round(volume / VOLUME_STEP) * VOLUME_STEP));
}

/** The source's frames, or silence of the same length while `controls.muted`. */
export function mutable(inner: AudioSource, controls: AudioControls): AudioSource {
  return {
    read: async () => {
      const frame = await inner.read();
      if (frame === null || !controls.muted) return frame;
      return new Int16Array(frame.length);
    },
    close: () => inner.close(),
  };
}

/** Writes each frame scaled by `controls.volume` percent (saturating at full scale). */
export function withVolume(inner: AudioSink, controls: AudioControls): AudioSink {
  return {
    write: (frame) => inner.write(scaled(frame, controls.volume)),
    close: () => inner.close(),
  };
}

export function scaled(frame: Int16Array, volume: number): Int16Array {
  if (volume === 100) return frame;
  const gain = volume / 100;
  const out = new Int16Array(frame.length);
  for (let i = 0; i < frame.length; i++) {
    const v = Math.round(frame[i]! * gain);
    out[i] = Math.min(32767, Math.max(-32768, v));
  }
  return out;
}
