/**
 * The key-change alarm in the page (docs/client.md "Contacts, pins, safety numbers"), with real parts: the
 * page pins two relays on its first run — A, and B, which is down then — registers on A and calls Bob (a
 * terminal phonebook), which pins Bob's key in its vault. Relay B then comes up with another "bob" (another
 * key under the same name) and A goes away: the page fails over to B, whose directory shows a key for Bob
 * that the pinned key never signed. The page must raise the alarm, mark Bob, offer no call button, and let
 * the user accept the new key only by an explicit action. Each relay has its own log, so this is a key
 * change and not a split view of one log.
 *
 * Skipped with a notice where Chromium or the built programs are missing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import { type RelayProcess, startRelayProcess } from '../src/node/relay-process.js';
import { type PageServer, startPageServer } from '../src/node/static-server.js';
import { relayKeyPem, TERMINAL_PASSPHRASE, writeEncryptedIdentity } from './support/identities.js';
import {
  CHROMIUM_SKIP_NOTICE,
  chromiumAvailable,
  type LaunchedChromium,
  launchMediaChromium,
} from './support/launch-chromium.js';
import {
  programsBuilt,
  RELAY_PROGRAM,
  startTerminalPhonebook,
  stopAllTerminalPhonebooks,
} from './support/terminal-phonebook.js';

const WWW = join(import.meta.dirname, '..', 'dist', 'www');
const ready = chromiumAvailable() && programsBuilt;
if (!chromiumAvailable()) console.warn(`[web-phonebook key change] ${CHROMIUM_SKIP_NOTICE}`);
else if (!programsBuilt) console.warn('[web-phonebook key change] skipped: run `npm run build` first');

describe.skipIf(!ready)('the key-change alarm in the web phonebook', () => {
  let temp: string;
  let server: PageServer;
  const relays: RelayProcess[] = [];
  let browser: LaunchedChromium;
  let page: Page;

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'leitung-web-key-change-'));
    server = await startPageServer(WWW);
    browser = await launchMediaChromium();
    page = await browser.context.newPage();
  });

  afterAll(async () => {
    await stopAllTerminalPhonebooks();
    await browser?.close();
    await Promise.all(relays.map((r) => r.stop()));
    await server?.close();
    if (temp) await rm(temp, { recursive: true, force: true });
  });

  it('raises the alarm when a relay shows another key for a pinned contact, and blocks calls', async () => {
    const start = async (name: string, keyPem: string, ports?: RelayProcess['entry']) => {
      const relay = await startRelayProcess({
        program: RELAY_PROGRAM,
        dataDir: join(temp, name),
        origin: server.origin,
        keyPem,
        ...(ports === undefined
          ? {}
          : {
              ports: {
                port: ports.port as number,
                mediaPort: ports.mediaPort as number,
                wsPort: Number(new URL(ports.webSocket).port),
              },
            }),
      });
      relays.push(relay);
      return relay;
    };
    const relayA = await start('relay-a', await relayKeyPem());
    // B once, to learn its entry (ports, fingerprint); then down while the page registers on A.
    const firstB = await start('relay-b', (await testKeyPair('relay-b')).privateKeyPem);
    const entryB = firstB.entry;
    await firstB.stop();
    server.setRelays([relayA.entry, entryB]);
    const relaysA = join(temp, 'relays-a.json');
    const relaysB = join(temp, 'relays-b.json');
    await writeFile(relaysA, JSON.stringify([relayA.entry]));
    await writeFile(relaysB, JSON.stringify([entryB]));

    await page.goto(server.origin);
    await page.fill('#passphrase', 'key change test passphrase');
    await page.fill('#name', 'alice');
    await page.click('button[type=submit]');
    await page.waitForSelector('header', { timeout: 60_000 });

    // Bob on A; a call pins his key in the page's vault.
    const bob = startTerminalPhonebook(
      [
        ...['--data', join(temp, 'bob'), '--relays', relaysA, '--timeout', '40', '--tone'],
        ...['--name', 'bob', '--import-identity', await writeEncryptedIdentity(temp, 'bob'), '--auto-answer'],
        ...['--output', join(temp, 'bob.wav')],
      ],
      TERMINAL_PASSPHRASE,
    );
    await bob.waitFor('registration:complete', 40_000);
    await page.getByRole('button', { name: 'Call bob' }).click();
    await page.waitForSelector('section.call[data-phase=active]', { timeout: 20_000 });
    await page.getByRole('button', { name: 'Hang up' }).click();
    expect(await bob.exited).toBe(0);
    expect(await page.textContent('li[data-contact=bob] .verification')).toBe('✓ verified');

    // B comes up with another "bob" (Carol's key under Bob's name); A goes away.
    await start('relay-b', (await testKeyPair('relay-b')).privateKeyPem, entryB);
    const impostor = startTerminalPhonebook(
      [
        ...['--data', join(temp, 'impostor'), '--relays', relaysB, '--timeout', '40', '--tone'],
        ...['--name', 'bob', '--import-identity', await writeEncryptedIdentity(temp, 'carol')],
        ...['--duration', '30'],
      ],
      TERMINAL_PASSPHRASE,
    );
    await impostor.waitFor('registration:complete', 40_000);
    await relayA.stop();

    const alarm = page.locator('section.alarm[data-alarm=bob]');
    await alarm.waitFor({ timeout: 40_000 });
    expect(await alarm.textContent()).toContain('bob has a new key');
    expect(await page.locator('li[data-contact=bob]').count()).toBe(1);
    expect(await page.textContent('li[data-contact=bob] .verification')).toBe('⚠ KEY CHANGED');
    expect(await page.getByRole('button', { name: 'Call bob' }).count()).toBe(0);

    await alarm.getByRole('button', { name: 'Accept the new key' }).click();
    await alarm.waitFor({ state: 'detached', timeout: 5_000 });
  });
});
