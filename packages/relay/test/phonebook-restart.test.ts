import type { RsaPrivateKey } from '@leitung/crypto';
import { clientIdOf } from '@leitung/session';
import { encodeMessage } from '@leitung/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';
import { MediaPeer } from './support/media-peer.js';
import type { TestClient } from './support/test-client.js';

let keys: Record<'alice' | 'bob' | 'carol' | 'dave', RsaPrivateKey>;

beforeAll(async () => {
  const [alice, bob, carol, dave] = await Promise.all([key('alice'), key('bob'), key('carol'), key('dave')]);
  keys = { alice: alice!, bob: bob!, carol: carol!, dave: dave! };
});

const fx = useFixture();
const peers: MediaPeer[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) p.close();
});

/** The next presence change (`online`/`offline`) a client received, skipping `added` deltas. */
async function presence(client: TestClient) {
  for (;;) {
    const delta = await client.next('PHONEBOOK_DELTA');
    if (delta.changes.some((change) => change.kind !== 'added')) return delta;
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describe('phonebook (docs/design.md §3 step 6, docs/lessons.md #21)', () => {
  it('never carries another client’s IP address or port, in any byte sent to a client', async () => {
    const relay = await fx.relay();
    // Each client connects from its own loopback address and binds media from another one.
    const people = [
      { name: 'alice', control: '127.0.0.2', media: '127.0.0.12' },
      { name: 'bob', control: '127.0.0.3', media: '127.0.0.13' },
      { name: 'carol', control: '127.0.0.4', media: '127.0.0.14' },
    ] as const;
    const clients: TestClient[] = [];
    for (const p of people) {
      const client = await fx.client(relay, p.control);
      await client.register(keys[p.name], p.name, relay.fingerprint);
      clients.push(client);
    }
    const [a, b, c] = clients as [TestClient, TestClient, TestClient];
    // Presence changes, paging, lookups and a call with bound media, so every message kind is exercised.
    // Everyone watches everyone (presence needs a mutual watch, docs/protocol.md "Presence").
    const ids = people.map((p) => clientIdOf(crypto, keys[p.name].publicKey));
    a.send({ type: 'PRESENCE_WATCH', clientIds: ids });
    b.send({ type: 'PRESENCE_WATCH', clientIds: ids });
    expect(await presence(a)).toMatchObject({
      changes: [{ kind: 'online', contact: { name: 'bob' } }],
    });
    c.send({ type: 'PRESENCE_WATCH', clientIds: ids });
    expect(await presence(a)).toMatchObject({
      changes: [{ kind: 'online', contact: { name: 'carol' } }],
    });
    a.send({ type: 'PHONEBOOK_REQUEST', requestId: 1, offset: 0, limit: 10 });
    const page = await a.next('PHONEBOOK_PAGE');
    expect(page.page.contacts.map((x) => [x.name, x.online])).toEqual([
      ['alice', true],
      ['bob', true],
      ['carol', true],
    ]);
    a.send({ type: 'GET_PUBLIC_KEY', requestId: 2, target: { by: 'name', name: 'bob' } });
    await a.next('PUBLIC_KEY');
    const callId = new Uint8Array(16).fill(4);
    a.send({
      type: 'CALL_REQUEST',
      callId,
      callee: clientIdOf(crypto, keys.bob.publicKey),
      sealedCallData: new Uint8Array(9),
    });
    await b.next('INCOMING_CALL');
    b.send({
      type: 'CALL_RESPONSE',
      callId,
      decision: 'accept',
      ephemeral: new Uint8Array(32).fill(1),
      confirm: new Uint8Array(16),
    });
    const grants = [await a.next('MEDIA_GRANT'), await b.next('MEDIA_GRANT')];
    const mediaPeers = [await MediaPeer.open(people[0].media), await MediaPeer.open(people[1].media)];
    peers.push(...mediaPeers);
    for (const [i, mp] of mediaPeers.entries()) {
      mp.send(mp.bind(grants[i]!), relay);
      expect(await mp.waitFor(1)).toBe(1);
    }
    const addresses = clients.map((client, i) => {
      const list = [{ ip: client.socket.localAddress!, port: client.socket.localPort! }];
      const media = mediaPeers[i];
      if (media) list.push({ ip: media.address, port: media.port });
      return list;
    });
    c.close();
    expect(await presence(a)).toMatchObject({
      changes: [{ kind: 'offline', contact: { name: 'carol' } }],
    });

    const leaks: string[] = [];
    for (const [i, client] of clients.entries()) {
      const received = [
        ...client.rawFrames,
        ...client.history.map((m) => encodeMessage(m)),
        ...(mediaPeers[i]?.received ?? []).map((d) => new Uint8Array(d)),
      ];
      for (const [j] of clients.entries()) {
        if (j === i) continue;
        for (const { ip, port } of addresses[j]!) {
          const ipBytes = new Uint8Array(ip.split('.').map(Number));
          const portBytes = new Uint8Array([port >> 8, port & 0xff]);
          const needles = [
            new TextEncoder().encode(ip),
            new TextEncoder().encode(`:${port}`),
            new Uint8Array([...ipBytes, ...portBytes]),
            new Uint8Array([...portBytes, ...ipBytes]),
          ];
          for (const bytes of received) {
            for (const needle of needles)
              if (indexOf(bytes, needle) >= 0)
                leaks.push(`${people[j]!.name} ${ip}:${port} → ${people[i]!.name}`);
          }
        }
      }
    }
    expect(leaks).toEqual([]);
    // The scan can find a leak: an address planted in a name would be reported.
    expect(
      indexOf(
        encodeMessage({ type: 'ERROR', code: 'X', message: `at ${people[1].control}`, fatal: false }),
        new TextEncoder().encode(people[1].control),
      ),
    ).toBeGreaterThan(0);
  });

  it('pushes new entries to every client, presence only between mutual watchers, and pages the list', async () => {
    const relay = await fx.relay({ limits: { phonebookPageSize: 2 } });
    const id = (name: keyof typeof keys) => clientIdOf(crypto, keys[name].publicKey);
    const a = await fx.client(relay);
    await a.register(keys.alice, 'alice', relay.fingerprint);
    const b = await fx.client(relay);
    const welcome = await b.register(keys.bob, 'bob', relay.fingerprint);
    expect(welcome.welcome.phonebook).toMatchObject({ offset: 0, total: 2 });
    // Nobody watches anybody yet: only the own line is online.
    expect(welcome.welcome.phonebook.contacts.map((x) => [x.name, x.online])).toEqual([
      ['alice', false],
      ['bob', true],
    ]);
    expect(await a.next('PHONEBOOK_DELTA')).toMatchObject({
      changes: [{ kind: 'added', contact: { name: 'bob', online: false } }],
    });
    const c = await fx.client(relay);
    await c.register(keys.carol, 'carol', relay.fingerprint);
    await a.next('PHONEBOOK_DELTA');
    a.send({ type: 'PRESENCE_WATCH', clientIds: [id('bob'), id('carol')] });
    b.send({ type: 'PRESENCE_WATCH', clientIds: [id('alice')] });
    expect(await presence(a)).toMatchObject({
      changes: [{ kind: 'online', contact: { name: 'bob', online: true } }],
    });
    expect(await presence(b)).toMatchObject({
      changes: [{ kind: 'online', contact: { name: 'alice', online: true } }],
    });
    b.close();
    expect(await presence(a)).toMatchObject({
      changes: [{ kind: 'offline', contact: { name: 'bob', online: false } }],
    });
    const b2 = await fx.client(relay);
    await b2.register(keys.bob, 'bob', relay.fingerprint);
    b2.send({ type: 'PRESENCE_WATCH', clientIds: [id('alice')] });
    expect(await presence(a)).toMatchObject({
      changes: [{ kind: 'online', contact: { name: 'bob', online: true } }],
    });
    a.send({ type: 'PHONEBOOK_REQUEST', requestId: 5, offset: 0, limit: 50 });
    const first = await a.next('PHONEBOOK_PAGE');
    // carol does not watch alice back: alice never sees her online.
    expect(first.page.contacts.map((x) => [x.name, x.online])).toEqual([
      ['alice', true],
      ['bob', true],
    ]);
    a.send({ type: 'PHONEBOOK_REQUEST', requestId: 6, offset: 2, limit: 50 });
    const page = await a.next('PHONEBOOK_PAGE');
    expect(page).toMatchObject({ requestId: 6, page: { offset: 2, total: 3 } });
    expect(page.page.contacts.map((x) => [x.name, x.online])).toEqual([['carol', false]]);
    expect(a.pending().filter((m) => m.type === 'PHONEBOOK_DELTA')).toEqual([]);
  });
});

describe('restart (no registration or log entry lost)', () => {
  it('keeps every registration and serves the same signed tree head after a restart', async () => {
    const dataDir = await fx.dataDir();
    const first = await fx.relay({ dataDir });
    const fingerprint = first.fingerprint;
    for (const name of ['alice', 'bob', 'carol'] as const)
      await (await fx.client(first)).register(keys[name], name, fingerprint);
    const a = await fx.client(first);
    const before = await a.register(keys.alice, 'alice', fingerprint);
    a.send({ type: 'GET_PUBLIC_KEY', requestId: 1, target: { by: 'name', name: 'carol' } });
    const carolBefore = await a.next('PUBLIC_KEY');
    await fx.stop(first);

    const second = await fx.relay({ dataDir });
    expect(second.fingerprint).toBe(fingerprint);
    expect(second.core.directorySize).toBe(3);
    const again = await fx.client(second);
    // The client's kept head must be consistent with what the restarted relay shows.
    const after = await again.register(keys.alice, 'alice', fingerprint, before.treeHead);
    expect(after.treeHead).toEqual(before.treeHead);
    again.send({ type: 'GET_PUBLIC_KEY', requestId: 2, target: { by: 'name', name: 'carol' } });
    const carolAfter = await again.next('PUBLIC_KEY');
    expect(carolAfter.entry).toEqual(carolBefore.entry);
    expect(carolAfter.treeHead).toEqual(carolBefore.treeHead);
    // New registrations continue the same log.
    const d = await fx.client(second);
    const dave = await d.register(keys.dave, 'dave', fingerprint, before.treeHead);
    expect(dave.welcome.entry.index).toBe(3);
  });
});
