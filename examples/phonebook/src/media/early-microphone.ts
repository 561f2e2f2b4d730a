/**
 * The caller's microphone, opened while the callee's phone rings.
 *
 * A capture device is a child process (arecord or sox, @leitung/audio/node): starting it (4–9 ms for the
 * process alone, README "Audio") and the device would otherwise fall between the callee's answer and the
 * caller's first frame.
 * So once the caller's offer is out (`call:outgoing`) the microphone opens, and the call takes it at
 * `call:accepted`. What it records meanwhile is not sent: when the call's audio starts, all but the
 * newest frame is dropped (`ProcessSource.keepNewest`, CallMedia.start), so no delay is carried into the
 * call. Not before the offer: a call refused before it (an unknown name, a changed key) never opens the
 * microphone. Not for a callee: its microphone opens when its user answers, never while it rings.
 * Files and the test tone open at once and need none of this.
 */
import type { AudioChoice, Notify, OpenedSource } from './audio-io.js';
import { openCallSource } from './audio-io.js';
import type { DeviceAccess } from './devices.js';

/** Whether a call with this choice would open the capture device (no file, no tone, a microphone found). */
export function usesMicrophone(choice: AudioChoice): boolean {
  return choice.input === undefined && !choice.tone && choice.microphone !== false;
}

export class EarlyMicrophone {
  #held: { readonly callId: string; readonly opened: Promise<OpenedSource> } | undefined;

  /** Opens the microphone for the call `callId` whose offer just went out (closing one held for another). */
  open(callId: string, choice: AudioChoice, notify: Notify, devices?: DeviceAccess): void {
    if (this.#held?.callId === callId || !usesMicrophone(choice)) return;
    void this.close();
    const opened = openCallSource(choice, notify, devices);
    // openCallSource falls back to silence rather than fail; a rejection here is never left unhandled.
    opened.catch(() => undefined);
    this.#held = { callId, opened };
  }

  /** The microphone opened for `callId`, handed over to the call (undefined if none was opened for it). */
  take(callId: string): Promise<OpenedSource> | undefined {
    const held = this.#held;
    if (held?.callId !== callId) return undefined;
    this.#held = undefined;
    return held.opened;
  }

  /** The call `callId` ended before it took its microphone (it was not answered): close it. */
  release(callId: string): Promise<void> {
    return this.#held?.callId === callId ? this.close() : Promise.resolve();
  }

  /** Closes a microphone that no call took (the phonebook closes, or another call began). */
  async close(): Promise<void> {
    const held = this.#held;
    this.#held = undefined;
    const opened = await held?.opened.catch(() => undefined);
    await opened?.source.close();
  }
}
