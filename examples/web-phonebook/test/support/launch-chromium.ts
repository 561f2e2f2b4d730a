/**
 * Chromium for the web phonebook: the repository's one launcher (tests/browser/launch-chromium.ts) with a
 * fake microphone that plays `fakeAudio` (a WAV file, looped), no permission prompts, and audio that plays
 * without a user gesture.
 */
import {
  CHROMIUM_SKIP_NOTICE,
  chromiumAvailable,
  type LaunchedChromium,
  launchChromium,
} from '../../../../tests/browser/launch-chromium.js';

export { CHROMIUM_SKIP_NOTICE, chromiumAvailable, type LaunchedChromium };

export function launchMediaChromium(options: { fakeAudio?: string } = {}): Promise<LaunchedChromium> {
  return launchChromium({
    args: [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      ...(options.fakeAudio === undefined ? [] : [`--use-file-for-fake-audio-capture=${options.fakeAudio}`]),
    ],
  });
}
