import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRelayProcess } from '../src/node/relay-process.js';
import { startPageServer } from '../src/node/static-server.js';
import { relayKeyPem } from '../test/support/identities.js';
import { launchMediaChromium } from '../test/support/launch-chromium.js';
import { RELAY_PROGRAM, REPO_ROOT } from '../test/support/terminal-phonebook.js';

export async function profile(temp: string): Promise<void> {
  const server = await startPageServer(join(REPO_ROOT, 'examples', 'web-phonebook', 'dist', 'www'));
  const relay = await startRelayProcess({ program: RELAY_PROGRAM, dataDir: join(temp, 'relay'), origin: server.origin, keyPem: await relayKeyPem() });
  server.setRelays([relay.entry]);
  const browser = await launchMediaChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(server.origin);
    await page.fill('#passphrase', 'a passphrase for the benchmark');
    await page.fill('#name', 'alice');
    await page.click('button[type=submit]');
    await page.waitForSelector('header', { timeout: 60_000 });
    for (let i = 0; i < 4; i++) {
      await page.goto(server.origin);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await page.fill('#passphrase', 'a passphrase for the benchmark');
      await cdp.send('Profiler.start');
      await page.click('button[type=submit]');
      await page.waitForSelector('header', { timeout: 60_000 });
      const { profile } = await cdp.send('Profiler.stop');
      const marks = await page.evaluate(() => window.leitungMarks);
      console.log('round', i, JSON.stringify(marks));
      await writeFile(`/tmp/prof/login-${i}.cpuprofile`, JSON.stringify(profile));
    }
  } finally {
    await browser.close();
    await relay.stop();
    await server.close();
  }
}
