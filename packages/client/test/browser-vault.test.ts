/**
 * BrowserVault in a real browser (docs/client.md "In a browser"): Debian's Chromium through the shared
 * launcher (tests/browser/launch-chromium.ts) loads a page bundled by esbuild from the built
 * `@leitung/client/browser`, served from 127.0.0.1 (support/browser-page.ts), and the checks run in that
 * page against its real IndexedDB: create, save, unlock after a reload, a wrong passphrase (typed code,
 * record unchanged), a save that fails inside its transaction (the old vault survives), a passphrase
 * change, create/open refusals, the record opening as a SecureVault file in Node and the other way round,
 * and the browser Client taking the vault as its store. Skips with a notice when Chromium is missing.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
import type * as BrowserEntry from '../src/browser.js';
import { SecureVault } from '../src/index.js';
import { type PageApi, type ServedPage, servePage } from './support/browser-page.js';
import { crypto, key } from './support/fixtures.js';

const PASSPHRASE = 'correct horse battery';
const WRONG = 'incorrect horse battery';
const relay = { host: '127.0.0.1', port: 5060, mediaPort: 5061, fingerprint: 'ab'.repeat(32) };
const head = {
  size: 7,
  root: [...new Uint8Array(32).fill(3)],
  mapRoot: [...new Uint8Array(32).fill(6)],
  time: 1_700_000_000_000,
  logId: [...new Uint8Array(32).fill(9)],
  signature: [...new Uint8Array(512).fill(5)],
};

describe.skipIf(!chromiumAvailable())('BrowserVault in Chromium', () => {
  let served: ServedPage | undefined;
  let browser: LaunchedChromium | undefined;
  let page: Page;
  let alice: RsaPrivateKey;
  let bob: RsaPrivateKey;
  const pageErrors: string[] = [];

  async function load(): Promise<void> {
    await page.goto(served!.url);
    await page.waitForFunction(() => 'leitung' in globalThis);
  }

  beforeAll(async () => {
    [alice, bob] = await Promise.all([key('alice'), key('bob')]);
    served = await servePage();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await load();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('creates and fills a vault, saves it, and unlocks it after a reload with the same contents', async () => {
    await page.evaluate(
      async ({ passphrase, identity, contact, relay, head }) => {
        const l = (globalThis as unknown as { leitung: PageApi }).leitung;
        const crypto = l.createCrypto();
        const vault = await l.BrowserVault.create('alice', passphrase, { crypto });
        vault.setIdentity(crypto.importRsaPrivateKey(new Uint8Array(identity)));
        vault.name = 'alice';
        vault.pinRelay(relay);
        vault.setTreeHead('cd'.repeat(32), {
          size: head.size,
          time: head.time,
          root: new Uint8Array(head.root),
          mapRoot: new Uint8Array(head.mapRoot),
          logId: new Uint8Array(head.logId),
          signature: new Uint8Array(head.signature),
        });
        vault.pinContact({ ...contact, publicKey: new Uint8Array(contact.publicKey) });
        vault.setSetting('codec', { preferred: 'opus', bitrate: 24_000 });
        await vault.save();
        vault.close();
      },
      {
        passphrase: PASSPHRASE,
        identity: [...alice.toPkcs8Der()],
        contact: {
          name: 'bob',
          clientId: bob.publicKey.fingerprint(),
          publicKey: [...bob.publicKey.toDer()],
          pinnedAt: 42,
        },
        relay,
        head,
      },
    );
    await page.reload();
    await page.waitForFunction(() => 'leitung' in globalThis);
    const opened = await page.evaluate(async (passphrase) => {
      const l = (globalThis as unknown as { leitung: PageApi }).leitung;
      const vault = await l.BrowserVault.open('alice', passphrase);
      const result = {
        identity: vault.identity().publicKey.fingerprint(),
        name: vault.name,
        relays: vault.relays(),
        setting: vault.setting('codec'),
        contact: vault.contact('bob')?.clientId,
        headSize: vault.treeHead('cd'.repeat(32))?.size,
      };
      vault.close();
      return result;
    }, PASSPHRASE);
    expect(opened).toEqual({
      identity: alice.publicKey.fingerprint(),
      name: 'alice',
      relays: [relay],
      setting: { preferred: 'opus', bitrate: 24_000 },
      contact: bob.publicKey.fingerprint(),
      headSize: 7,
    });
    expect(pageErrors).toEqual([]);
  });

  it('a wrong passphrase is CLIENT_ERR_VAULT_WRONG_PASSPHRASE and leaves the record as it was', async () => {
    const result = await page.evaluate(async (wrong) => {
      const l = (globalThis as unknown as { leitung: PageApi }).leitung;
      const before = await l.BrowserVault.exportRecord('alice');
      let code: string | undefined;
      try {
        await l.BrowserVault.open('alice', wrong);
      } catch (error) {
        code = (error as { code?: string }).code;
      }
      const after = await l.BrowserVault.exportRecord('alice');
      return { code, before: [...(before ?? [])], after: [...(after ?? [])] };
    }, WRONG);
    expect(result.code).toBe('CLIENT_ERR_VAULT_WRONG_PASSPHRASE');
    expect(result.before.length).toBeGreaterThan(0);
    expect(result.after).toEqual(result.before);
  });

  it('a save that fails inside its transaction leaves the stored vault as it was; without the failure it lands', async () => {
    const result = await page.evaluate(async (passphrase) => {
      const l = (globalThis as unknown as { leitung: PageApi }).leitung;
      const before = [...((await l.BrowserVault.exportRecord('alice')) ?? [])];
      const failing = await l.BrowserVault.open('alice', passphrase, {
        saveHooks: {
          afterPut: () => {
            throw new Error('simulated failure after the put');
          },
        },
      });
      failing.name = 'mallory';
      let failure: string | undefined;
      try {
        await failing.save();
      } catch (error) {
        failure = (error as Error).message;
      }
      failing.close();
      const afterFailure = [...((await l.BrowserVault.exportRecord('alice')) ?? [])];
      const reopened = await l.BrowserVault.open('alice', passphrase);
      const nameAfterFailure = reopened.name;
      // The same save without the failure: it lands, so the failing one did reach its put.
      reopened.name = 'alice2';
      await reopened.save();
      reopened.close();
      const changed = await l.BrowserVault.open('alice', passphrase);
      const nameAfterSave = changed.name;
      changed.name = 'alice';
      await changed.save();
      changed.close();
      return { failure, unchanged: afterFailure.join() === before.join(), nameAfterFailure, nameAfterSave };
    }, PASSPHRASE);
    expect(result).toEqual({
      failure: 'simulated failure after the put',
      unchanged: true,
      nameAfterFailure: 'alice',
      nameAfterSave: 'alice2',
    });
  });

  it('a passphrase change re-encrypts the record: the old passphrase stops working, the new one opens it', async () => {
    const result = await page.evaluate(
      async ({ passphrase, next }) => {
        const l = (globalThis as unknown as { leitung: PageApi }).leitung;
        const codeOf = async (work: () => Promise<{ close(): void }>) => {
          try {
            (await work()).close();
            return 'opened';
          } catch (error) {
            return (error as { code?: string }).code;
          }
        };
        const vault = await l.BrowserVault.open('alice', passphrase);
        await vault.changePassphrase(next);
        vault.close();
        const old = await codeOf(() => l.BrowserVault.open('alice', passphrase));
        const reopened = await l.BrowserVault.open('alice', next);
        const name = reopened.name;
        await reopened.changePassphrase(passphrase);
        reopened.close();
        return { old, name, back: await codeOf(() => l.BrowserVault.open('alice', passphrase)) };
      },
      { passphrase: PASSPHRASE, next: 'another horse battery' },
    );
    expect(result).toEqual({ old: 'CLIENT_ERR_VAULT_WRONG_PASSPHRASE', name: 'alice', back: 'opened' });
  });

  it('create refuses an existing id and a weak passphrase; open of a missing id is CLIENT_ERR_VAULT_NOT_FOUND', async () => {
    const codes = await page.evaluate(async (passphrase) => {
      const l = (globalThis as unknown as { leitung: PageApi }).leitung;
      const codeOf = async (work: () => Promise<unknown>) => {
        try {
          await work();
          return 'no error';
        } catch (error) {
          return (error as { code?: string }).code;
        }
      };
      return {
        exists: await codeOf(() => l.BrowserVault.create('alice', passphrase)),
        weak: await codeOf(() => l.BrowserVault.create('weak', 'short')),
        weakWasStored: await l.BrowserVault.exists('weak'),
        missing: await codeOf(() => l.BrowserVault.open('nobody', passphrase)),
        policy: l.passphraseProblem('short') !== undefined && l.passphraseProblem(passphrase) === undefined,
      };
    }, PASSPHRASE);
    expect(codes).toEqual({
      exists: 'CLIENT_ERR_VAULT_EXISTS',
      weak: 'CLIENT_ERR_WEAK_PASSPHRASE',
      weakWasStored: false,
      missing: 'CLIENT_ERR_VAULT_NOT_FOUND',
      policy: true,
    });
  });

  it('the record is the SecureVault file format: Node opens a page vault, the page opens a Node vault', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leitung-browser-vault-'));
    try {
      const record = await page.evaluate(async () => {
        const l = (globalThis as unknown as { leitung: PageApi }).leitung;
        return [...((await l.BrowserVault.exportRecord('alice')) ?? [])];
      });
      const fromPage = join(dir, 'from-page.leitung');
      await writeFile(fromPage, new Uint8Array(record), { mode: 0o600 });
      await chmod(fromPage, 0o600);
      const nodeVault = await SecureVault.open(fromPage, PASSPHRASE, { crypto });
      expect(nodeVault.name).toBe('alice');
      expect(nodeVault.identity().publicKey.fingerprint()).toBe(alice.publicKey.fingerprint());
      nodeVault.close();

      const fromNode = join(dir, 'from-node.leitung');
      const created = await SecureVault.create(fromNode, PASSPHRASE, { crypto });
      created.name = 'bob';
      await created.save();
      created.close();
      const bytes = [...(await readFile(fromNode))];
      const name = await page.evaluate(
        async ({ bytes, passphrase }) => {
          const l = (globalThis as unknown as { leitung: PageApi }).leitung;
          // Put the file's bytes as a record the way BrowserVault stores one (database 'leitung', store 'vaults').
          const factory = (globalThis as unknown as { indexedDB: BrowserEntry.IdbFactoryLike }).indexedDB;
          const request = factory.open(l.BROWSER_VAULT_DATABASE, 1);
          const db = await new Promise<BrowserEntry.IdbDatabaseLike>((done, fail) => {
            request.onsuccess = () => done(request.result);
            request.onerror = () => fail(request.error);
          });
          await new Promise((done, fail) => {
            const transaction = db.transaction('vaults', 'readwrite');
            transaction.objectStore('vaults').put(new Uint8Array(bytes), 'from-node');
            transaction.oncomplete = done;
            transaction.onabort = () => fail(transaction.error);
          });
          db.close();
          const vault = await l.BrowserVault.open('from-node', passphrase);
          const result = vault.name;
          vault.close();
          await l.BrowserVault.remove('from-node');
          return { result, gone: !(await l.BrowserVault.exists('from-node')) };
        },
        { bytes, passphrase: PASSPHRASE },
      );
      expect(name).toEqual({ result: 'bob', gone: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('webCryptoIdentity holds the vault identity in WebCrypto, not extractable; Node checks what it signs and opens', async () => {
    const sealed = crypto.seal(alice.publicKey, new TextEncoder().encode('sealed to alice'));
    const wrapped = crypto.sealedBoxWrappedSecret(sealed)!;
    const result = await page.evaluate(
      async ({ passphrase, ciphertext, label, pkcs8 }) => {
        const l = (globalThis as unknown as { leitung: PageApi }).leitung;
        const vault = await l.BrowserVault.open('alice', passphrase);
        const holder = await vault.webCryptoIdentity();
        const message = new TextEncoder().encode('signed by the page');
        const signature = await holder.run({ op: 'pss-sign', message });
        const secret = await holder.run({
          op: 'oaep-decrypt',
          ciphertext: new Uint8Array(ciphertext),
          label: new Uint8Array(label),
        });
        // The CryptoKeys behind a holder: imported non-extractable, so no script gets the key material out.
        const rsa = l.webCryptoRsa();
        const imported: { oaep: unknown; pss: unknown }[] = [];
        await l.webCryptoIdentity(l.createCrypto(), new Uint8Array(pkcs8), {
          ...rsa,
          importPrivate: async (der, extractable) => {
            const key = await rsa.importPrivate(der, extractable);
            imported.push(key);
            return key;
          },
        });
        const keys = await Promise.all(
          imported
            .flatMap((k) => [k.oaep, k.pss] as { extractable: boolean }[])
            .map(async (key) => ({
              extractable: key.extractable,
              exported: await globalThis.crypto.subtle
                .exportKey('pkcs8', key as never)
                .then(() => 'exported')
                .catch((error: Error) => error.name),
            })),
        );
        vault.close();
        return {
          fingerprint: holder.publicKey.fingerprint(),
          signature: [...signature],
          secret: [...secret],
          keys,
        };
      },
      {
        passphrase: PASSPHRASE,
        ciphertext: [...wrapped.ciphertext],
        label: [...wrapped.label],
        pkcs8: [...alice.toPkcs8Der()],
      },
    );
    expect(result.fingerprint).toBe(alice.publicKey.fingerprint());
    const signed = new TextEncoder().encode('signed by the page');
    expect(crypto.verify(alice.publicKey, signed, new Uint8Array(result.signature))).toBe(true);
    expect(new TextDecoder().decode(crypto.openUnwrapped(sealed, new Uint8Array(result.secret)))).toBe(
      'sealed to alice',
    );
    expect(result.keys).toEqual(Array(2).fill({ extractable: false, exported: 'InvalidAccessError' }));
    expect(pageErrors).toEqual([]);
  });

  it('the browser Client takes the vault as its store, with the WebSocket transport and portable crypto by default', async () => {
    const result = await page.evaluate(async (passphrase) => {
      const l = (globalThis as unknown as { leitung: PageApi }).leitung;
      const vault = await l.BrowserVault.open('alice', passphrase);
      const identity = vault.identity();
      const client = new l.Client({
        identity,
        name: 'alice',
        relays: [
          {
            host: '127.0.0.1',
            port: 1,
            mediaPort: 2,
            fingerprint: 'ab'.repeat(32),
            webSocket: 'ws://127.0.0.1:1',
          },
        ],
        store: vault,
        persist: () => vault.save(),
      });
      let tcpOnly: string | undefined;
      try {
        new l.Client({
          identity,
          name: 'alice',
          relays: [{ host: '127.0.0.1', port: 1, mediaPort: 2, fingerprint: 'ab'.repeat(32) }],
        });
      } catch (error) {
        tcpOnly = (error as { code?: string }).code;
      }
      const out = { clientId: client.clientId, tcpOnly };
      await client.close();
      vault.close();
      return out;
    }, PASSPHRASE);
    expect(result).toEqual({
      clientId: alice.publicKey.fingerprint(),
      tcpOnly: 'CLIENT_ERR_INVALID_ARGUMENT',
    });
    expect(pageErrors).toEqual([]);
  });
});

if (!chromiumAvailable()) console.warn(CHROMIUM_SKIP_NOTICE);
