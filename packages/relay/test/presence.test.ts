/**
 * Presence is not broadcast (docs/protocol.md "Presence"): a client sees a contact online only when both
 * watch each other. Reproduced against a real relay over real sockets: a bystander that watches everyone
 * but is nobody's contact must see nothing while others log in and out.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { clientIdOf } from '@leitung/session';
import type { ControlMessage } from '@leitung/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Relay } from '../src/index.js';
import { useFixture } from './support/fixture.js';
import { Harness, registerFull } from './support/harness.js';
import { crypto, key } from './support/keys.js';
import type { TestClient } from './support/test-client.js';

type Name = 'alice' | 'bob' | 'carol' | 'mallory' | 'relay';
let keys: Record<Name, RsaPrivateKey>;
beforeAll(async () => {
  const names: Name[] = ['alice', 'bob', 'carol', 'mallory', 'relay'];
  const loaded = await Promise.all(names.map((n) => key(n)));
  keys = Object.fromEntries(names.map((n, i) => [n, loaded[i]!])) as Record<Name, RsaPrivateKey>;
});

const fx = useFixture();
const id = (name: Name) => clientIdOf(crypto, keys[name].publicKey);

/** Presence changes (online/offline) a client received, as `name:kind`. */
function presenceSeen(history: readonly ControlMessage[]): string[] {
  return history.flatMap((m) =>
    m.type === 'PHONEBOOK_DELTA'
      ? m.changes.filter((c) => c.kind !== 'added').map((c) => `${c.contact.name}:${c.kind}`)
      : [],
  );
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function login(relay: Relay, name: Name, watch: readonly Name[]): Promise<TestClient> {
  const client = await fx.client(relay);
  await client.register(keys[name], name, relay.fingerprint);
  client.send({ type: 'PRESENCE_WATCH', clientIds: watch.map(id) });
  return client;
}

describe('presence only between mutual watchers (docs/protocol.md "Presence")', () => {
  it('a client that is nobody’s contact sees no presence during 20 login/logout cycles; a mutual pair does', async () => {
    const fast = { perSecond: 1000, burst: 1000 };
    const relay = await fx.relay({
      limits: { handshakesPerIp: fast, handshakesPerIdentity: fast, presenceWatchesPerIdentity: fast },
    });
    // bob and carol exist in the directory before the bystander looks (their `added` deltas are not presence).
    for (const name of ['bob', 'carol'] as const) (await login(relay, name, [])).close();
    await until(() => relay.core.clientCount === 0, 'logouts');

    const alice = await login(relay, 'alice', ['bob', 'carol']);
    const mallory = await login(relay, 'mallory', ['alice', 'bob', 'carol']);
    const bobs: TestClient[] = [];
    const count = (client: TestClient, event: string) =>
      presenceSeen(client.history).filter((e) => e === event).length;
    for (let cycle = 1; cycle <= 20; cycle++) {
      const bob = await login(relay, 'bob', ['alice']); // mutual with alice
      const carol = await login(relay, 'carol', ['bob']); // watched by alice, but not watching her
      bobs.push(bob);
      await until(() => count(alice, 'bob:online') >= cycle, 'alice sees bob come online');
      // Checked at the end (after the bystander): give bob's own change a moment to arrive.
      await until(() => count(bob, 'alice:online') >= 1, 'bob sees alice online', 2_000).catch(() => {});
      bob.close();
      carol.close();
      await until(() => count(alice, 'bob:offline') >= cycle, 'alice sees bob go offline');
    }
    await until(() => relay.core.clientCount === 2, 'logouts');
    await new Promise((r) => setTimeout(r, 200));

    expect(presenceSeen(mallory.history)).toEqual([]);
    expect(presenceSeen(alice.history)).toEqual(Array(20).fill(['bob:online', 'bob:offline']).flat());
    for (const bob of bobs) expect(presenceSeen(bob.history)).toEqual(['alice:online']);
    // The bystander's phonebook shows nobody online either (own line only).
    mallory.send({ type: 'PHONEBOOK_REQUEST', requestId: 1, offset: 0, limit: 10 });
    const page = await mallory.next('PHONEBOOK_PAGE');
    expect(page.page.contacts.filter((c) => c.online).map((c) => c.name)).toEqual(['mallory']);
  }, 60_000);
});

describe('PRESENCE_WATCH in the core (injected clock)', () => {
  it('is rate-limited per identity (typed, not fatal) and keeps the previous set', () => {
    const h = new Harness(keys.relay, { limits: { presenceWatchesPerIdentity: { perSecond: 1, burst: 2 } } });
    const a = registerFull(h, keys.alice, 'alice');
    const b = registerFull(h, keys.bob, 'bob');
    a.inbox.length = 0; // bob's `added`
    h.send(b, { type: 'PRESENCE_WATCH', clientIds: [id('alice')] });
    h.send(a, { type: 'PRESENCE_WATCH', clientIds: [] });
    h.send(a, { type: 'PRESENCE_WATCH', clientIds: [id('bob'), id('alice')] });
    expect(h.take(a, 'PHONEBOOK_DELTA').changes).toMatchObject([
      { kind: 'online', contact: { name: 'bob' } },
    ]);
    h.send(a, { type: 'PRESENCE_WATCH', clientIds: [] });
    expect(h.take(a, 'ERROR')).toMatchObject({ code: 'RELAY_ERR_RATE_LIMITED', fatal: false });
    expect(a.closed).toBeUndefined();
    expect(b.inbox.filter((m) => m.type === 'PHONEBOOK_DELTA' && m.changes[0]?.kind === 'offline')).toEqual(
      [],
    );
  });

  it('dropping a watch takes the presence away from both sides', () => {
    const h = new Harness(keys.relay);
    const a = registerFull(h, keys.alice, 'alice');
    const b = registerFull(h, keys.bob, 'bob');
    a.inbox.length = 0; // bob's `added`
    h.send(a, { type: 'PRESENCE_WATCH', clientIds: [id('bob')] });
    h.send(b, { type: 'PRESENCE_WATCH', clientIds: [id('alice')] });
    expect(h.take(a, 'PHONEBOOK_DELTA').changes[0]).toMatchObject({
      kind: 'online',
      contact: { name: 'bob' },
    });
    expect(h.take(b, 'PHONEBOOK_DELTA').changes[0]).toMatchObject({
      kind: 'online',
      contact: { name: 'alice' },
    });
    h.send(b, { type: 'PRESENCE_WATCH', clientIds: [] });
    expect(h.take(a, 'PHONEBOOK_DELTA').changes[0]).toMatchObject({
      kind: 'offline',
      contact: { name: 'bob' },
    });
    expect(h.take(b, 'PHONEBOOK_DELTA').changes[0]).toMatchObject({
      kind: 'offline',
      contact: { name: 'alice' },
    });
    // Going offline later tells nobody: nobody sees bob any more.
    h.apply(h.core.connectionClosed(b.connId, h.now));
    expect(a.inbox.filter((m) => m.type === 'PHONEBOOK_DELTA')).toEqual([]);
  });
});
