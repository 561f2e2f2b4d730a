/**
 * The one way tests start a real browser (docs/client.md "In a browser"): Debian's Chromium at
 * /usr/bin/chromium (or the binary LEITUNG_CHROMIUM names) driven by playwright-core (which never downloads
 * a browser), headless, with a fresh temporary profile and the background traffic switched off, so a test
 * sees only what its page does. When the binary is missing the caller skips with
 * {@link CHROMIUM_SKIP_NOTICE} (CI installs it: .ci/run). The caller closes what it launched in an
 * `afterAll`/`finally`, failure or not; `close()` also removes the profile.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`), or the binary `LEITUNG_CHROMIUM` names. */
export const CHROMIUM_PATH = process.env.LEITUNG_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless without a sandbox (CI runs as root, where Chromium's sandbox refuses to start), no GPU, no
 * QUIC, and none of the first-run, sync, component-update or other background requests.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What a test prints when it skips for want of the browser. */
export const CHROMIUM_SKIP_NOTICE = `browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium; CI installs it)`;

/** True when the browser can be launched here. */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** A running Chromium: its one browser context, and `close()`, which stops it and removes its profile. */
export interface LaunchedChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh temporary user-data-dir; the profile is removed if the launch fails. */
export async function launchChromium(): Promise<LaunchedChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'leitung-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    context,
    close: () => {
      closed ??= context.close().finally(() => rm(profile, { recursive: true, force: true }));
      return closed;
    },
  };
}
