/**
 * The browser entry's Client in Chromium against the real `leitung-relay` (docs/client.md "In a browser"):
 * a page built from `@leitung/client/browser`, with only its defaults — the portable crypto and the page's
 * WebSocket — and a BrowserVault as its store, registers, is seen online by a Node client on TCP + UDP,
 * looks that client up with proof and keeps the pin in the vault across a reload, and answers its call
 * with media both ways (the page echoes each frame). A relay whose Origin allow-list leaves the page's
 * origin out refuses it. Skips with a notice without Chromium or the relay.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_SKIP_NOTICE,
  chromiumAvailable,
  type LaunchedChromium,
  launchChromium,
} from '../../../tests/browser/launch-chromium.js';
import type { BrowserVault, Client as PageClient } from '../src/browser.js';
import type { Client, RelayEntry } from '../src/index.js';
import { type PageApi, type ServedPage, servePage } from './support/browser-page.js';
import { ClientPool, key, nextEvent, nextFrame, waitFor } from './support/fixtures.js';
import { RealRelay, realRelayAvailable } from './support/real-relay.js';

const PASSPHRASE = 'correct horse battery';

/** What the page keeps on `globalThis` between evaluations. */
interface PageState {
  pageClient?: PageClient;
  pageVault?: BrowserVault;
  pageLog?: string[];
}

/** In the page: opens (or creates with `identity`) the vault `alice`, builds a Client on `relay`, starts it. */
async function startInPage(page: Page, relay: RelayEntry, identity: number[] | undefined) {
  return page.evaluate(
    async ({ relay, identity, passphrase }) => {
      const l = (globalThis as unknown as { leitung: PageApi }).leitung;
      const vault =
        identity === undefined
          ? await l.BrowserVault.open('alice', passphrase)
          : await l.BrowserVault.create('alice', passphrase);
      if (identity !== undefined) {
        vault.setIdentity(l.createCrypto().importRsaPrivateKey(new Uint8Array(identity)));
        await vault.save();
      }
      const client = new l.Client({
        identity: vault.identity(),
        name: 'alice',
        relays: [relay],
        store: vault,
        persist: () => vault.save(),
        startAttempts: 1,
        probeIntervalMs: 0,
      });
      const state = globalThis as unknown as PageState;
      state.pageClient = client;
      state.pageVault = vault;
      try {
        const registration = await client.start();
        return { registered: registration.name, code: undefined };
      } catch (error) {
        return { registered: undefined, code: (error as { code?: string }).code };
      }
    },
    { relay, identity, passphrase: PASSPHRASE },
  );
}

/** In the page: closes the client and the vault `startInPage` made. */
async function closeInPage(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const state = globalThis as unknown as PageState;
    await state.pageClient?.close();
    state.pageVault?.close();
  });
}

describe.skipIf(!chromiumAvailable() || !realRelayAvailable)('browser Client against the real relay', () => {
  let base: string;
  let served: ServedPage | undefined;
  let browser: LaunchedChromium | undefined;
  let page: Page;
  let alice: RsaPrivateKey;
  let bob: RsaPrivateKey;
  const relays: RealRelay[] = [];
  let relay: RealRelay;
  let nodeBob: Client;
  const pool = new ClientPool();
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [alice, bob] = await Promise.all([key('alice'), key('bob')]);
    base = await mkdtemp(join(tmpdir(), 'leitung-browser-client-'));
    served = await servePage();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(served.url);
    await page.waitForFunction(() => 'leitung' in globalThis);
  });

  afterAll(async () => {
    await pool.closeAll();
    await browser?.close();
    await Promise.all(relays.map((r) => r.stop()));
    await served?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('registers over WebSockets with the vault as its store, looks a TCP client up and keeps the pin', async () => {
    relay = await RealRelay.start(join(base, 'relay'), 'relay', [
      '--ws-port',
      '0',
      '--ws-origin',
      served!.origin,
    ]);
    relays.push(relay);
    nodeBob = pool.make(bob, 'bob', [relay.entry]);
    nodeBob.watchPresence(['alice']);
    await nodeBob.start();

    expect(await startInPage(page, relay.entry, [...alice.toPkcs8Der()])).toEqual({
      registered: 'alice',
      code: undefined,
    });
    const looked = await page.evaluate(async () => {
      const client = (globalThis as unknown as PageState).pageClient!;
      client.watchPresence(['bob']);
      return (await client.lookup('bob')).clientId;
    });
    expect(looked).toBe(bob.publicKey.fingerprint());
    await waitFor(
      () => nodeBob.contacts.some((c) => c.name === 'alice' && c.online),
      10_000,
      'bob sees the page online',
    );
    await closeInPage(page);

    // After a reload, the pin the lookup made is in the vault (persisted through `persist`).
    await page.reload();
    await page.waitForFunction(() => 'leitung' in globalThis);
    const pinned = await page.evaluate(async (passphrase) => {
      const l = (globalThis as unknown as { leitung: PageApi }).leitung;
      const vault = await l.BrowserVault.open('alice', passphrase);
      const contact = vault.contact('bob')?.clientId;
      vault.close();
      return contact;
    }, PASSPHRASE);
    expect(pinned).toBe(bob.publicKey.fingerprint());
    expect(pageErrors).toEqual([]);
  });

  it('answers a call from the Node client and carries its media both ways (the page echoes)', async () => {
    expect(await startInPage(page, relay.entry, undefined)).toEqual({ registered: 'alice', code: undefined });
    await page.evaluate(() => {
      const state = globalThis as unknown as PageState;
      const client = state.pageClient!;
      state.pageLog = [];
      client.on('call:incoming', () => client.answer());
      client.on('media:bound', () => state.pageLog!.push('bound'));
      client.on('media:failed', () => state.pageLog!.push('failed'));
      client.mediaTransport().onFrame((frame) => {
        state.pageLog!.push(`frame ${frame.sequence}`);
        state.pageLog!.push(`sent ${client.sendFrame({ ...frame })}`);
      });
    });
    const bound = nextEvent(nodeBob, 'media:bound', undefined, 10_000);
    const call = await nodeBob.call('alice', { signal: AbortSignal.timeout(20_000) });
    expect(call.peer.name).toBe('alice');
    await bound;
    // Frames sent before the page's lane is bound are dropped by the relay, as for any client.
    await page.waitForFunction(() => (globalThis as unknown as PageState).pageLog?.includes('bound'));
    for (let i = 0; i < 3; i++) {
      const echoed = nextFrame(nodeBob, 10_000);
      nodeBob.sendFrame({ sequence: i, timestamp: i * 960, payload: new TextEncoder().encode(`frame ${i}`) });
      expect(new TextDecoder().decode((await echoed).payload)).toBe(`frame ${i}`);
    }
    nodeBob.hangUp();
    await closeInPage(page);
    expect(pageErrors).toEqual([]);
  });

  it("a relay whose Origin allow-list leaves the page's origin out refuses it (CLIENT_ERR_NO_RELAY)", async () => {
    const relay = await RealRelay.start(join(base, 'relay-elsewhere'), 'relay', [
      '--ws-port',
      '0',
      '--ws-origin',
      'https://elsewhere.example',
    ]);
    relays.push(relay);
    const result = await startInPage(page, relay.entry, undefined);
    await closeInPage(page);
    expect(result).toEqual({ registered: undefined, code: 'CLIENT_ERR_NO_RELAY' });
  });
});

if (!chromiumAvailable()) console.warn(CHROMIUM_SKIP_NOTICE);
