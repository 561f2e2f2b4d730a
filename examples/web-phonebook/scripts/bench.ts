/**
 * The web phonebook's figures next to the terminal phonebook's, in one run on this machine (run by
 * bench/web-phonebook/run.mjs; docs/benchmarks.md "Web phonebook"):
 *
 * - login handshake: connect → verified WELCOME for an identity already registered — the page's
 *   `handshakeMs` (reload, unlock) against the terminal phonebook's `handshakeMs` (`registration:complete`),
 *   the same definition on both; rounds alternate the two.
 * - call setup: dial → the callee's first authenticated, decrypted and decoded audio frame (the demo's
 *   definition), and dial → both sides' media lanes bound; page → terminal, terminal → page and terminal →
 *   terminal. The terminal side is a freshly started headless phonebook in every call (its program exits
 *   after one call), the page stays open; a terminal callee runs 300 ms after registering before it is
 *   called, as the callee of the terminal → terminal reference does while its caller starts. Where
 *   the page is called it answers from a MutationObserver in the page as soon as it rings — the terminal
 *   callee's `--auto-answer` — so no test driver's latency is counted.
 * - the page dials as a person clicks: the pointer rests on the Call button for REST_MS, then the button
 *   is held down for PRESS_MS and released; the page prepares the call's offer on the hover and sends its
 *   key lookup on the press (docs/client.md "Offers prepared before the dial"). The dial is the click
 *   event's time (the release). Warm page → terminal calls alternate with an automated click (pointer
 *   moved, pressed and released at once), which leaves the page no time to prepare: reported apart.
 *
 * Everything it starts is stopped, also on failure.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startRelayProcess } from '../src/node/relay-process.js';
import { startPageServer } from '../src/node/static-server.js';
import { relayKeyPem, TERMINAL_PASSPHRASE, writeEncryptedIdentity } from '../test/support/identities.js';
import { launchMediaChromium } from '../test/support/launch-chromium.js';
import {
  type EventLine,
  RELAY_PROGRAM,
  REPO_ROOT,
  startTerminalPhonebook,
  stopAllTerminalPhonebooks,
  type TerminalPhonebook,
} from '../test/support/terminal-phonebook.js';

export interface BenchFigures {
  readonly pageHandshakeMs: number[];
  /** The page's `start()` → registered, the relay probe included. */
  readonly pageRegistrationMs: number[];
  readonly terminalHandshakeMs: number[];
  readonly pageKeygenMs: number | undefined;
  readonly pageToTerminalMs: number[];
  readonly terminalToPageMs: number[];
  readonly terminalToTerminalMs: number[];
  /** Dial → both sides' media lanes bound (the call is connected), the same three directions. */
  readonly pageToTerminalConnectedMs: number[];
  readonly terminalToPageConnectedMs: number[];
  readonly terminalToTerminalConnectedMs: number[];
  /**
   * The same two measures between warm programs: each terminal phonebook places or answers all its calls
   * in one process (`--calls`), and its first call, which pays the process's first-use costs, is not
   * counted. Page → terminal, terminal → page, terminal → terminal; connected and first decoded frame.
   */
  readonly warm: {
    readonly pageToTerminalConnectedMs: number[];
    readonly terminalToPageConnectedMs: number[];
    readonly terminalToTerminalConnectedMs: number[];
    readonly pageToTerminalMs: number[];
    readonly terminalToPageMs: number[];
    readonly terminalToTerminalMs: number[];
    readonly calleeStepsFromPage: CalleeSteps[];
    readonly calleeStepsFromTerminal: CalleeSteps[];
    /**
     * Page → terminal again with an automated click instead of a person's (pressed and released at once,
     * no pointer resting first): connected and first frame, and when the page sent its offer.
     */
    readonly pageToTerminalInstantConnectedMs: number[];
    readonly pageToTerminalInstantMs: number[];
    readonly pageInstantOfferSentMs: number[];
  };
  /** Page → terminal, warm: when the page sent its offer and saw the answer, ms after the dial. */
  readonly pageCallerSteps: { readonly offerSent: number; readonly accepted: number }[];
  /** Per call, when the terminal callee reached each step, ms after the dial: page caller, terminal caller. */
  readonly calleeStepsFromPage: CalleeSteps[];
  readonly calleeStepsFromTerminal: CalleeSteps[];
}

/** The terminal callee's events, ms after the caller's dial. */
export interface CalleeSteps {
  readonly incoming: number;
  readonly accepted: number;
  readonly bound: number;
  readonly firstFrame: number;
}

/** When a terminal phonebook's `nth` call's media lane was bound (its `media:bound` event), wall clock ms. */
function boundAt(terminal: TerminalPhonebook, nth = 1): number {
  return terminal.events.filter((e) => e.event === 'media:bound')[nth - 1]?.t ?? Number.NaN;
}

function calleeSteps(callee: TerminalPhonebook, dialAt: number, nth = 1): CalleeSteps {
  const nthOf = (event: string) => callee.events.filter((e) => e.event === event)[nth - 1];
  const at = (event: string) => (nthOf(event)?.t ?? Number.NaN) - dialAt;
  const first = nthOf('media:first-frame');
  return {
    incoming: at('call:incoming'),
    accepted: at('call:accepted'),
    bound: at('media:bound'),
    firstFrame: ((first?.firstDecodedAt as number | undefined) ?? Number.NaN) - dialAt,
  };
}

const PASSPHRASE = 'a passphrase for the benchmark';
/** How long a terminal callee runs after registering before the page dials it. */
const SETTLE_MS = 300;
/** How long the pointer rests on the Call button before a person's click. */
export const REST_MS = 200;
/** How long a person's click holds the button down (mouse down → up). */
export const PRESS_MS = 80;

/** Dials from the page as a person clicks (`person`), or with an automated click at once. */
async function clickCall(page: Page, name: string, how: 'person' | 'instant'): Promise<void> {
  const button = page.getByRole('button', { name: `Call ${name}` });
  await button.waitFor({ timeout: 20_000 });
  if (how === 'instant') return button.click();
  await button.hover();
  await new Promise((resolve) => setTimeout(resolve, REST_MS));
  await button.click({ delay: PRESS_MS });
}

export async function runBench(temp: string, rounds: number): Promise<BenchFigures> {
  const [bobKey, carolKey] = await Promise.all([
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
  const terminal = (name: string, extra: readonly string[]): TerminalPhonebook =>
    startTerminalPhonebook(
      ['--data', join(temp, name), '--relays', relaysFile, '--timeout', '40', '--tone', ...extra],
      TERMINAL_PASSPHRASE,
    );
  const figures: BenchFigures = {
    pageHandshakeMs: [],
    pageRegistrationMs: [],
    terminalHandshakeMs: [],
    pageKeygenMs: undefined,
    pageToTerminalMs: [],
    terminalToPageMs: [],
    terminalToTerminalMs: [],
    pageToTerminalConnectedMs: [],
    terminalToPageConnectedMs: [],
    terminalToTerminalConnectedMs: [],
    calleeStepsFromPage: [],
    calleeStepsFromTerminal: [],
    pageCallerSteps: [],
    warm: {
      pageToTerminalConnectedMs: [],
      terminalToPageConnectedMs: [],
      terminalToTerminalConnectedMs: [],
      pageToTerminalMs: [],
      terminalToPageMs: [],
      terminalToTerminalMs: [],
      calleeStepsFromPage: [],
      calleeStepsFromTerminal: [],
      pageToTerminalInstantConnectedMs: [],
      pageToTerminalInstantMs: [],
      pageInstantOfferSentMs: [],
    },
  };
  const browser = await launchMediaChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(server.origin);
    await page.fill('#passphrase', PASSPHRASE);
    await page.fill('#name', 'alice');
    await page.click('button[type=submit]');
    await page.waitForSelector('header', { timeout: 60_000 });
    (figures as { pageKeygenMs: number | undefined }).pageKeygenMs = await page.evaluate(
      () => window.leitungMarks.keygenMs,
    );
    // First runs (name bindings) of both terminal phonebooks, outside the figures.
    for (const [name, key] of [
      ['bob', bobKey],
      ['carol', carolKey],
    ] as const) {
      const first = terminal(name, ['--name', name, '--import-identity', key, '--duration', '1']);
      await first.exited;
    }

    for (let round = 0; round < rounds; round++) {
      const login = terminal('bob', ['--duration', '1']);
      const registered = await login.waitFor('registration:complete', 40_000);
      figures.terminalHandshakeMs.push(registered.handshakeMs as number);
      await login.exited;
      figures.pageHandshakeMs.push(await pageLogin(page, server.origin));
      figures.pageRegistrationMs.push(
        (await page.evaluate(() => window.leitungMarks.registrationMs)) as number,
      );
    }

    for (let round = 0; round < rounds; round++) {
      // page → terminal
      const callee = terminal('bob', ['--auto-answer', '--output', join(temp, 'bob.wav')]);
      await callee.waitFor('registration:complete', 40_000);
      // A callee's phonebook has been running for a while when a call comes, as the terminal callee of the
      // terminal → terminal reference has (the caller's process starts after it registered): let it settle.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      await clickCall(page, 'bob', 'person');
      const first = await callee.waitFor('media:first-frame', 20_000);
      const dialAt = await page.evaluate(() => window.leitungMarks.dialAt);
      figures.pageToTerminalMs.push((first.firstDecodedAt as number) - (dialAt as number));
      const pageBoundAt = await page.evaluate(() => window.leitungMarks.boundAt);
      figures.pageToTerminalConnectedMs.push(
        Math.max(boundAt(callee), pageBoundAt as number) - (dialAt as number),
      );
      figures.calleeStepsFromPage.push(calleeSteps(callee, dialAt as number));
      await page.getByRole('button', { name: 'Hang up' }).click();
      await callee.exited;

      // terminal → page
      await autoAnswer(page);
      const caller = terminal('bob', [
        '--call',
        'alice',
        '--duration',
        '1',
        '--output',
        join(temp, 'bob.wav'),
      ]);
      const stats = await caller.waitFor('call:stats', 40_000);
      const firstAtPage = await page.evaluate(() => window.leitungMarks.firstFrameAt);
      figures.terminalToPageMs.push((firstAtPage as number) - (stats.dialAt as number));
      const pageBound = await page.evaluate(() => window.leitungMarks.boundAt);
      figures.terminalToPageConnectedMs.push(
        Math.max(boundAt(caller), pageBound as number) - (stats.dialAt as number),
      );
      await caller.exited;

      // terminal → terminal, the reference
      const answering = terminal('carol', ['--auto-answer', '--output', join(temp, 'carol.wav')]);
      await answering.waitFor('registration:complete', 40_000);
      const dialing = terminal('bob', [
        '--call',
        'carol',
        '--duration',
        '1',
        '--output',
        join(temp, 'bob.wav'),
      ]);
      const heard: EventLine = await answering.waitFor('media:first-frame', 40_000);
      const dialed = await dialing.waitFor('call:stats', 40_000);
      figures.terminalToTerminalMs.push((heard.firstDecodedAt as number) - (dialed.dialAt as number));
      figures.terminalToTerminalConnectedMs.push(
        Math.max(boundAt(answering), boundAt(dialing)) - (dialed.dialAt as number),
      );
      figures.calleeStepsFromTerminal.push(calleeSteps(answering, dialed.dialAt as number));
      await Promise.all([dialing.exited, answering.exited]);
    }
    await warmCalls(page, terminal, rounds, figures.warm, temp, figures.pageCallerSteps);
  } finally {
    await stopAllTerminalPhonebooks();
    await browser.close();
    await relay.stop();
    await server.close();
  }
  return figures;
}

/**
 * `rounds` calls in each direction between programs that already made a call: one terminal phonebook
 * process per direction with `--calls rounds + 1`, whose first call is not counted.
 */
async function warmCalls(
  page: Page,
  terminal: (name: string, extra: readonly string[]) => TerminalPhonebook,
  rounds: number,
  warm: BenchFigures['warm'],
  temp: string,
  pageSteps: BenchFigures['pageCallerSteps'],
): Promise<void> {
  const calls = rounds + 1;
  // As in the calls above, what a terminal phonebook hears goes to a WAV file, not to a playback device.
  const bobOut = ['--output', join(temp, 'bob.wav')];
  // page → terminal: after the uncounted first call, a person's click and an automated one in turn
  // (`rounds` calls each), so that neither kind has the callee's later, warmer calls to itself.
  const callee = terminal('bob', ['--auto-answer', '--calls', String(calls + rounds), ...bobOut]);
  await callee.waitFor('registration:complete', 40_000);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  let lastDial = 0;
  for (let n = 1; n <= calls + rounds; n++) {
    const instant = n > 1 && n % 2 === 1;
    // The relay lets one identity start a call per second after a burst of 5 (RELAY_ERR_RATE_LIMITED,
    // docs/relay.md "Limits and their defaults"); the page's calls are short, so they are spaced to stay within it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastDial + 1100 - Date.now())));
    lastDial = Date.now();
    await clickCall(page, 'bob', instant ? 'instant' : 'person');
    const first = await callee.waitFor('media:first-frame', 20_000, n).catch(async (error: unknown) => {
      const screen = await page.evaluate(() => document.body.textContent);
      throw new Error(`warm call ${n} to bob: ${String(error)}; the page shows: ${screen}`);
    });
    const marks = await page.evaluate(() => window.leitungMarks);
    const dialAt = marks.dialAt as number;
    if (instant) {
      warm.pageToTerminalInstantMs.push((first.firstDecodedAt as number) - dialAt);
      warm.pageToTerminalInstantConnectedMs.push(
        Math.max(boundAt(callee, n), marks.boundAt as number) - dialAt,
      );
      warm.pageInstantOfferSentMs.push((marks.offerSentAt as number) - dialAt);
    } else if (n > 1) {
      warm.pageToTerminalMs.push((first.firstDecodedAt as number) - dialAt);
      warm.pageToTerminalConnectedMs.push(Math.max(boundAt(callee, n), marks.boundAt as number) - dialAt);
      warm.calleeStepsFromPage.push(calleeSteps(callee, dialAt, n));
      pageSteps.push({
        offerSent: (marks.offerSentAt as number) - dialAt,
        accepted: (marks.acceptedAt as number) - dialAt,
      });
    }
    await page.getByRole('button', { name: 'Hang up' }).click();
    await callee.waitFor('call:stats', 20_000, n);
  }
  await callee.exited;

  // terminal → page: the page answers every call the moment it rings.
  await autoAnswer(page, { every: true });
  const caller = terminal('bob', ['--call', 'alice', '--calls', String(calls), '--duration', '1', ...bobOut]);
  await caller.exited;
  await page.evaluate(() => window.leitungBenchAnswer?.disconnect());
  const pageCalls = await page.evaluate(() => window.leitungMarks.calls);
  const stats = caller.events.filter((e) => e.event === 'call:stats');
  for (let n = 2; n <= calls; n++) {
    const call = stats[n - 1];
    const atPage = pageCalls.find((c) => c.callId === call?.callId);
    if (call === undefined || atPage === undefined)
      throw new Error(`warm call ${n} to the page left no marks`);
    const dialAt = call.dialAt as number;
    warm.terminalToPageMs.push((atPage.firstFrameAt as number) - dialAt);
    warm.terminalToPageConnectedMs.push(Math.max(boundAt(caller, n), atPage.boundAt as number) - dialAt);
  }

  // terminal → terminal
  const answering = terminal('carol', [
    ...['--auto-answer', '--calls', String(calls), '--output', join(temp, 'carol.wav')],
  ]);
  await answering.waitFor('registration:complete', 40_000);
  const dialing = terminal('bob', [
    '--call',
    'carol',
    '--calls',
    String(calls),
    '--duration',
    '1',
    ...bobOut,
  ]);
  await Promise.all([dialing.exited, answering.exited]);
  const heard = answering.events.filter((e) => e.event === 'media:first-frame');
  const dialed = dialing.events.filter((e) => e.event === 'call:stats');
  for (let n = 2; n <= calls; n++) {
    const dialAt = dialed[n - 1]?.dialAt as number;
    warm.terminalToTerminalMs.push((heard[n - 1]?.firstDecodedAt as number) - dialAt);
    warm.terminalToTerminalConnectedMs.push(Math.max(boundAt(answering, n), boundAt(dialing, n)) - dialAt);
    warm.calleeStepsFromTerminal.push(calleeSteps(answering, dialAt, n));
  }
}

/** Reloads the page, unlocks it and returns its login handshake (connect → verified WELCOME), ms. */
async function pageLogin(page: Page, origin: string): Promise<number> {
  await page.goto(origin);
  await page.fill('#passphrase', PASSPHRASE);
  await page.click('button[type=submit]');
  // The handshake mark is set at `registration:complete`, which can come after the header first shows.
  await page.waitForFunction(() => window.leitungMarks.handshakeMs !== undefined, null, { timeout: 60_000 });
  return (await page.evaluate(() => window.leitungMarks.handshakeMs)) as number;
}

/**
 * Clicks Answer inside the page the moment an incoming call shows: once, or (`every`) every time until
 * `window.leitungBenchAnswer.disconnect()`.
 */
async function autoAnswer(page: Page, { every = false } = {}): Promise<void> {
  await page.evaluate((every) => {
    const clicked = new WeakSet<HTMLButtonElement>(); // a button is clicked once, whatever redraws follow
    const observer = new MutationObserver(() => {
      const answer = [...document.querySelectorAll('button')].find(
        (b) => b.textContent === 'Answer' && !clicked.has(b),
      );
      if (answer === undefined) return;
      if (!every) observer.disconnect();
      clicked.add(answer);
      answer.click();
    });
    observer.observe(document.body, { childList: true, subtree: true });
    window.leitungBenchAnswer = observer;
  }, every);
}

declare global {
  interface Window {
    /** The bench's answering observer, while one runs. */
    leitungBenchAnswer?: MutationObserver;
  }
}
