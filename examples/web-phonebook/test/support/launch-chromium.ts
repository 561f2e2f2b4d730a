/**
 * Launches Debian's Chromium through playwright-core (which never downloads a browser): headless, a fresh
 * temporary profile, a fake microphone that plays `fakeAudio` (a WAV file, looped), no permission
 * prompts, and audio that plays without a user gesture. Where /usr/bin/chromium is missing,
 * `chromiumAvailable` is false and the suites skip with a notice (.ci/run installs it).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.LEITUNG_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM_PATH);

export interface LaunchedChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(options: { fakeAudio?: string } = {}): Promise<LaunchedChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'leitung-chromium-'));
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    ...(options.fakeAudio === undefined ? [] : [`--use-file-for-fake-audio-capture=${options.fakeAudio}`]),
  ];
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args,
      viewport: { width: 900, height: 640 },
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
