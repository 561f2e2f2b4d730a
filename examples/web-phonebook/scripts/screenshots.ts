/**
 * The scenario of the README's screenshots: Alice's page registers; Bob (a terminal phonebook) answers her
 * call — the call screen, with the safety number and live quality; then Bob stays online (watching Alice
 * back, so she sees him online and verified) and Carol has registered but is offline and not yet verified
 * — the phonebook. Everything it starts is stopped, also on failure.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRelayProcess } from '../src/node/relay-process.js';
import { startPageServer } from '../src/node/static-server.js';
import { relayKeyPem, TERMINAL_PASSPHRASE, writeEncryptedIdentity } from '../test/support/identities.js';
import { launchMediaChromium } from '../test/support/launch-chromium.js';
import { makeSpeech, PAGE_TEXT, TERMINAL_TEXT } from '../test/support/speech.js';
import {
  RELAY_PROGRAM,
  REPO_ROOT,
  startTerminalPhonebook,
  stopAllTerminalPhonebooks,
} from '../test/support/terminal-phonebook.js';

export async function takeScreenshots(temp: string, outDir: string): Promise<void> {
  const [pageSpeech, terminalSpeech, bobKey, carolKey] = await Promise.all([
    makeSpeech(temp, 'page-said', PAGE_TEXT, 'en+f3'),
    makeSpeech(temp, 'terminal-said', TERMINAL_TEXT, 'en'),
    writeEncryptedIdentity(temp, 'bob'),
    writeEncryptedIdentity(temp, 'carol'),
  ]);
  const server = await startPageServer(join(REPO_ROOT, 'examples', 'web-phonebook', 'dist', 'www'));
  const relay = await startRelayProcess({
    program: RELAY_PROGRAM,
    dataDir: join(temp, 'relay'),
    origin: server.origin,
    keyPem: await relayKeyPem(),
  }).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  server.setRelays([relay.entry]);
  const relaysFile = join(temp, 'relays.json');
  await writeFile(relaysFile, JSON.stringify([relay.entry]));
  const terminal = (name: string, extra: readonly string[]) =>
    startTerminalPhonebook(
      ['--data', join(temp, name), '--relays', relaysFile, '--timeout', '40', ...extra],
      TERMINAL_PASSPHRASE,
    );
  const browser = await launchMediaChromium({ fakeAudio: pageSpeech.path });
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 900, height: 640 });
    await page.goto(server.origin);
    await page.fill('#passphrase', 'a passphrase for the screenshots');
    await page.fill('#name', 'alice');
    await page.click('button[type=submit]');
    await page.waitForSelector('header', { timeout: 60_000 });

    const carol = terminal('carol', ['--name', 'carol', '--import-identity', carolKey, '--duration', '1']);
    await carol.exited;
    const bob = terminal('bob', [
      ...['--name', 'bob', '--import-identity', bobKey, '--auto-answer'],
      ...['--input', terminalSpeech.path, '--output', join(temp, 'bob-heard.wav')],
    ]);
    await bob.waitFor('registration:complete', 40_000);
    const call = page.getByRole('button', { name: 'Call bob' });
    await call.waitFor({ timeout: 20_000 });
    await call.click();
    await page.waitForFunction(() => document.querySelector('#quality')?.textContent?.includes('MOS'), null, {
      timeout: 20_000,
    });
    await page.waitForTimeout(3000);
    await page.screenshot({ path: join(outDir, 'call.png') });
    await page.getByRole('button', { name: 'Hang up' }).click();
    await bob.exited;

    // Bob again, just online: his vault now has Alice, whom he watches, so the relay shows each to the other.
    terminal('bob', []);
    await page.waitForSelector('li[data-contact=bob] .online', { timeout: 20_000 });
    await page.screenshot({ path: join(outDir, 'phonebook.png') });
  } finally {
    await stopAllTerminalPhonebooks();
    await browser.close();
    await relay.stop();
    await server.close();
  }
}
