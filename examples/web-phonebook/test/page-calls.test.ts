/**
 * The web phonebook in a real Chromium against the real leitung-relay program and the real terminal
 * phonebook (headless mode): the page creates its identity and registers over WebSockets, calls a
 * terminal phonebook and is called by one, with speech both ways — the page's microphone is Chromium's
 * fake capture device playing an espeak-ng sentence, the terminal phonebook sends another from `--input`
 * — and each side's recording must carry the other side's sentence (test/support/speech-match.ts) and
 * not the wrong one.
 *
 * Bounds, and why: the terminal phonebook's own end-to-end test holds clean Opus over loopback to
 * envelope correlation ≥ 0.90 and Bark distance ≤ 7.5 dB (it measures ≈ 0.98 and 3.5–5 dB); the page's
 * paths — Chromium's capture with its audio processing, playback through the AudioWorklet — measure
 * 0.91–0.98 and 2.9–7.4 dB here (7.4 with the machine's load average above 8), so the same bounds hold.
 * The controls — each recording measured against the other speaker's sentence, with the same per-window
 * search for the best offset — measure ≈ 20 dB Bark distance and must fail that bound, so the check can
 * fail. (Their envelope correlation, 0.6–0.87, is no control: the search picks the best of thousands of
 * offsets, which flatters a wrong sentence's envelope, so it is not asserted.)
 *
 * A press on Call (held, then released) sends the key lookup while held and the offer first on release.
 *
 * Skipped with a notice where Chromium, espeak-ng/sox or the built programs are missing.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav } from '@leitung/audio';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RelayProcess, startRelayProcess } from '../src/node/relay-process.js';
import { type PageServer, startPageServer } from '../src/node/static-server.js';
import { relayKeyPem, TERMINAL_PASSPHRASE, writeEncryptedIdentity } from './support/identities.js';
import {
  CHROMIUM_SKIP_NOTICE,
  chromiumAvailable,
  type LaunchedChromium,
  launchMediaChromium,
} from './support/launch-chromium.js';
import { makeSpeech, PAGE_TEXT, type Speech, speechToolsAvailable, TERMINAL_TEXT } from './support/speech.js';
import { matchSpeech } from './support/speech-match.js';
import {
  programsBuilt,
  RELAY_PROGRAM,
  startTerminalPhonebook,
  stopAllTerminalPhonebooks,
  type TerminalPhonebook,
} from './support/terminal-phonebook.js';

const WWW = join(import.meta.dirname, '..', 'dist', 'www');
const ready = chromiumAvailable() && speechToolsAvailable && programsBuilt;
if (!chromiumAvailable()) console.warn(`[web-phonebook] ${CHROMIUM_SKIP_NOTICE}`);
else if (!speechToolsAvailable) console.warn('[web-phonebook] skipped: espeak-ng or sox missing');
else if (!programsBuilt) console.warn('[web-phonebook] skipped: run `npm run build` first');

const PAGE_PASSPHRASE = 'browser test passphrase';
const CALL_S = 5;
const ENVELOPE_MIN = 0.9;
const BARK_MAX_DB = 7.5;

describe.skipIf(!ready)('the web phonebook in Chromium, with the relay and a terminal phonebook', () => {
  let temp: string;
  let server: PageServer;
  let relay: RelayProcess;
  let browser: LaunchedChromium;
  let page: Page;
  let relaysFile: string;
  let pageSpeech: Speech;
  let terminalSpeech: Speech;
  let bobKey: string;

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'leitung-web-phonebook-'));
    [pageSpeech, terminalSpeech, bobKey] = await Promise.all([
      makeSpeech(temp, 'page-said', PAGE_TEXT, 'en+f3'),
      makeSpeech(temp, 'terminal-said', TERMINAL_TEXT, 'en'),
      writeEncryptedIdentity(temp, 'bob'),
    ]);
    server = await startPageServer(WWW);
    relay = await startRelayProcess({
      program: RELAY_PROGRAM,
      dataDir: join(temp, 'relay'),
      origin: server.origin,
      keyPem: await relayKeyPem(),
    });
    server.setRelays([relay.entry]);
    relaysFile = join(temp, 'relays.json');
    await writeFile(relaysFile, JSON.stringify([relay.entry]));
    browser = await launchMediaChromium({ fakeAudio: pageSpeech.path });
    page = await browser.context.newPage();
  });

  afterEach(async () => {
    await stopAllTerminalPhonebooks();
  });

  afterAll(async () => {
    await stopAllTerminalPhonebooks();
    await browser?.close();
    await relay?.stop();
    await server?.close();
    if (temp) await rm(temp, { recursive: true, force: true });
  });

  const terminal = (extra: readonly string[]): TerminalPhonebook =>
    startTerminalPhonebook(
      ['--data', join(temp, 'bob'), '--relays', relaysFile, '--timeout', '40', ...extra],
      TERMINAL_PASSPHRASE,
    );

  const pageHeard = async (): Promise<Int16Array> => {
    const base64 = await page.evaluate(() => window.leitungRecording?.() ?? Promise.resolve(''));
    const bytes = Buffer.from(base64, 'base64');
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  };

  const wavSamples = async (path: string) => (await decodeWav(new Uint8Array(await readFile(path)))).samples;

  /** Both directions carry the right sentence, and the wrong sentence does not match. */
  const expectSpeechBothWays = async (terminalHeard: Int16Array, pageHeardPcm: Int16Array) => {
    // The speaker worklet's counters say whether the page's main thread kept up (playout-queue.ts).
    const playback = await page.evaluate(() => window.leitungPlayback?.());
    const toTerminal = matchSpeech(pageSpeech.samples, terminalHeard);
    const toPage = matchSpeech(terminalSpeech.samples, pageHeardPcm);
    const controls = [
      matchSpeech(terminalSpeech.samples, terminalHeard),
      matchSpeech(pageSpeech.samples, pageHeardPcm),
    ];
    console.warn(
      `[web-phonebook] page → terminal ${fmt(toTerminal)}; terminal → page ${fmt(toPage)}; ` +
        `controls ${controls.map(fmt).join(' / ')}; page's player ${JSON.stringify(playback)}`,
    );
    for (const m of [toTerminal, toPage]) {
      expect(m.windows).toBeGreaterThanOrEqual(3);
      expect(m.envelope).toBeGreaterThanOrEqual(ENVELOPE_MIN);
      expect(m.barkDb).toBeLessThanOrEqual(BARK_MAX_DB);
    }
    for (const c of controls) expect(c.barkDb).toBeGreaterThan(BARK_MAX_DB);
  };

  it('first run: creates an RSA-4096 identity in the page and registers over WebSockets', async () => {
    await page.goto(`${server.origin}/?record`);
    await page.fill('#passphrase', 'short');
    await page.fill('#name', 'alice');
    await page.click('button[type=submit]');
    // The vault's passphrase policy refuses a weak passphrase before any key is made.
    await expect(page.locator('[role=alert]').textContent()).resolves.toMatch(/passphrase/);
    await page.fill('#passphrase', PAGE_PASSPHRASE);
    await page.fill('#name', 'alice');
    // Every screen the page passes through on the way, seen from inside the page (they can be brief).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenHeadings: string[] }).seenHeadings = seen;
      new MutationObserver(() => {
        const heading = document.querySelector('h1')?.textContent;
        if (heading && seen.at(-1) !== heading) seen.push(heading);
      }).observe(document.body, { childList: true, subtree: true });
    });
    await page.click('button[type=submit]');
    await page.waitForSelector('header', { timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { seenHeadings: string[] }).seenHeadings)).toEqual(
      ['Creating your identity', 'Registering'],
    );
    expect(await page.textContent('header')).toContain('you are alice');
    expect(await page.textContent('#connection')).toContain('connected');
    const marks = await page.evaluate(() => window.leitungMarks);
    expect(marks.keygenMs).toBeGreaterThan(0);
    expect(marks.handshakeMs).toBeGreaterThan(0);
  });

  it('calls a terminal phonebook: speech both ways, safety numbers agree, hang-up from the page', async () => {
    const bob = terminal([
      ...['--name', 'bob', '--import-identity', bobKey, '--auto-answer'],
      ...['--input', terminalSpeech.path, '--output', join(temp, 'bob-heard-1.wav')],
    ]);
    await bob.waitFor('registration:complete', 40_000);
    // When the page asks for the microphone, on the clock of its marks.
    await page.evaluate(() => {
      const devices = navigator.mediaDevices;
      const getUserMedia = devices.getUserMedia.bind(devices);
      const asked: number[] = [];
      (window as unknown as { microphoneAskedAt: number[] }).microphoneAskedAt = asked;
      devices.getUserMedia = (constraints) => {
        asked.push(performance.timeOrigin + performance.now());
        return getUserMedia(constraints);
      };
    });
    const call = page.getByRole('button', { name: 'Call bob' });
    await call.waitFor({ timeout: 20_000 });
    await call.click();
    await page.waitForSelector('section.call[data-phase=active]', { timeout: 20_000 });
    // The microphone opens once the offer is out, while Bob's phone rings — not at the dial, when the key
    // lookup has not answered yet and the call may still be refused (README "Architecture").
    const { asked, offerSentAt } = await page.evaluate(() => ({
      asked: (window as unknown as { microphoneAskedAt: number[] }).microphoneAskedAt,
      offerSentAt: window.leitungMarks.offerSentAt,
    }));
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBeGreaterThanOrEqual(offerSentAt as number);
    const accepted = await bob.waitFor('call:accepted', 10_000);
    expect(await page.textContent('code.safety')).toBe(accepted.safetyNumber);
    await page.waitForFunction(() => document.querySelector('#quality')?.textContent?.includes('MOS'), null, {
      timeout: 10_000,
    });
    await page.waitForTimeout(CALL_S * 1000);
    const heard = await pageHeard();
    // During a call the contacts offer no Call button…
    expect(await page.getByRole('button', { name: 'Call bob' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Hang up' }).click();
    expect(await bob.exited).toBe(0);
    await page.waitForSelector('section.call[data-phase=ended]', { timeout: 10_000 });
    // …and once it ended, they offer it again.
    await page.getByRole('button', { name: 'Call bob' }).waitFor({ timeout: 5_000 });
    expect(bob.events.find((e) => e.event === 'call:ended')?.by).toBe('remote');
    await expectSpeechBothWays(await wavSamples(join(temp, 'bob-heard-1.wav')), heard);
  });

  it('is called by a terminal phonebook: rings, answers, speech both ways, hang-up from the terminal', async () => {
    const bob = terminal([
      ...['--call', 'alice', '--duration', String(CALL_S + 1)],
      ...['--input', terminalSpeech.path, '--output', join(temp, 'bob-heard-2.wav')],
    ]);
    await page.waitForSelector('section.call[data-phase=ringing]', { timeout: 40_000 });
    expect(await page.textContent('section.call h2')).toBe('bob is calling');
    await page.getByRole('button', { name: 'Answer' }).click();
    await page.waitForSelector('section.call[data-phase=active]', { timeout: 20_000 });
    const accepted = await bob.waitFor('call:accepted', 10_000);
    expect(await page.textContent('code.safety')).toBe(accepted.safetyNumber);
    await page.waitForSelector('section.call[data-phase=ended]', { timeout: (CALL_S + 15) * 1000 });
    expect(await page.textContent('section.call h2')).toContain('ended by the other side');
    const heard = await pageHeard();
    expect(await bob.exited).toBe(0);
    await expectSpeechBothWays(await wavSamples(join(temp, 'bob-heard-2.wav')), heard);
  });

  it('rejects a call from a terminal phonebook: the caller is told, and no audio flows', async () => {
    const bob = terminal(['--call', 'alice', '--duration', '5']);
    await page.waitForSelector('section.call[data-phase=ringing]', { timeout: 40_000 });
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.waitForSelector('section.call[data-phase=ended]', { timeout: 10_000 });
    expect(await bob.exited).not.toBe(0);
    const error = bob.events.find((e) => e.event === 'error');
    expect(String(error?.message)).toMatch(/rejected/i);
    expect(bob.events.some((e) => e.event === 'media:bound' || e.event === 'media:first-frame')).toBe(false);
    expect(await page.textContent('section.call h2')).toBe('You rejected the call from bob.');
  });

  it('pressing Call looks the key up and signs the offer before the release, which sends the offer itself', async () => {
    const bob = terminal(['--auto-answer', '--tone', '--output', join(temp, 'bob-heard-3.wav')]);
    await bob.waitFor('registration:complete', 40_000);
    // Every frame the page sends on its control WebSocket, with its size (the prototype, so the open one too).
    await page.evaluate(() => {
      const sent: { bytes: number; control: boolean }[] = [];
      (window as unknown as { controlSent: typeof sent }).controlSent = sent;
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (this: WebSocket, data) {
        const bytes = typeof data === 'string' ? data.length : ((data as ArrayBufferView).byteLength ?? 0);
        sent.push({ bytes, control: this.url.endsWith('/control') });
        return send.call(this, data);
      };
    });
    const sentOnControl = () =>
      page.evaluate(() =>
        (window as unknown as { controlSent: { bytes: number; control: boolean }[] }).controlSent
          .filter((f) => f.control)
          .map((f) => f.bytes),
      );
    const call = page.getByRole('button', { name: 'Call bob' });
    await call.hover();
    await page.mouse.down();
    // Held down: the key lookup goes out — a small frame — and nothing of the call.
    await page.waitForTimeout(300);
    const pressed = await sentOnControl();
    expect(pressed.length).toBeGreaterThan(0);
    expect(Math.max(...pressed)).toBeLessThan(400);
    expect(bob.events.some((e) => e.event === 'call:incoming')).toBe(false);
    await page.mouse.up();
    await page.waitForSelector('section.call[data-phase=active]', { timeout: 20_000 });
    // Released: the first frame is the CALL_REQUEST with its sealed offer (1.4 kB), not a lookup.
    const released = (await sentOnControl()).slice(pressed.length);
    expect(released[0]).toBeGreaterThan(1_000);
    await page.getByRole('button', { name: 'Hang up' }).click();
    expect(await bob.exited).toBe(0);
    await page.waitForSelector('section.call[data-phase=ended]', { timeout: 10_000 });
  });

  it('a later visit: a wrong passphrase is refused; unlocked, the vault still pins the contact verified in calls', async () => {
    await page.reload();
    await page.fill('#passphrase', 'not the passphrase at all');
    await page.click('button[type=submit]');
    await expect(page.locator('[role=alert]').textContent()).resolves.toBe('Wrong passphrase.');
    await page.fill('#passphrase', PAGE_PASSPHRASE);
    await page.click('button[type=submit]');
    await page.waitForSelector('header', { timeout: 60_000 });
    expect(await page.textContent('header')).toContain('you are alice');
    await page.waitForSelector('li[data-contact=bob]', { timeout: 10_000 });
    expect(await page.textContent('li[data-contact=bob] .verification')).toBe('✓ verified');
  });
});

function fmt(m: { windows: number; envelope: number; barkDb: number }): string {
  return `envelope ${m.envelope.toFixed(3)}, Bark ${m.barkDb.toFixed(2)} dB over ${m.windows} windows`;
}
