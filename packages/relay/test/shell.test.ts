import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { RsaPrivateKey } from '@leitung/crypto';
import { clientIdOf } from '@leitung/session';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRelayLogger, loadOrCreateRelayKey, RELAY_KEY_FILE } from '../src/index.js';
import { useFixture } from './support/fixture.js';
import { crypto, key, removeDir } from './support/keys.js';
import { MediaPeer } from './support/media-peer.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
let relayKey: RsaPrivateKey;

beforeAll(async () => {
  [alice, bob, relayKey] = await Promise.all([key('alice'), key('bob'), key('relay')]);
});

const fx = useFixture();
const dirs: string[] = [];
const peers: MediaPeer[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
  for (const p of peers.splice(0)) p.close();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leitung-shell-'));
  dirs.push(dir);
  return dir;
}

describe('relay key file (docs/design.md §2)', () => {
  it('is created on first start (PKCS#8 PEM, mode 0600) and reused afterwards', async () => {
    const dir = tempDir();
    const first = await loadOrCreateRelayKey(crypto, dir);
    expect(first.created).toBe(true);
    expect(statSync(join(dir, RELAY_KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateRelayKey(crypto, dir);
    expect(again.created).toBe(false);
    expect(again.privateKey.publicKey.fingerprint()).toBe(first.privateKey.publicKey.fingerprint());
  }, 60_000);

  it('refuses a key file readable by others, and a file that is not a key', async () => {
    const dir = tempDir();
    const file = join(dir, RELAY_KEY_FILE);
    writeFileSync(file, relayKey.toPkcs8Pem(), { mode: 0o644 });
    chmodSync(file, 0o644);
    await expect(loadOrCreateRelayKey(crypto, dir)).rejects.toMatchObject({ code: 'RELAY_ERR_KEY_FILE' });
    writeFileSync(file, 'not a key');
    chmodSync(file, 0o600);
    await expect(loadOrCreateRelayKey(crypto, dir)).rejects.toMatchObject({ code: 'RELAY_ERR_KEY_FILE' });
  });
});

describe('logs never contain key material (docs/lessons.md #19)', () => {
  it('a full run at trace level logs no PEM, no key bytes and no media token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const relay = await fx.relay({ logger: createRelayLogger({ level: 'trace', destination: sink }) });
    const a = await fx.client(relay);
    const b = await fx.client(relay);
    await a.register(alice, 'alice', relay.fingerprint);
    await b.register(bob, 'bob', relay.fingerprint);
    const callId = new Uint8Array(16).fill(3);
    a.send({
      type: 'CALL_REQUEST',
      callId,
      callee: clientIdOf(crypto, bob.publicKey),
      sealedCallData: new Uint8Array(64).fill(0x5a),
    });
    await b.next('INCOMING_CALL');
    b.send({ type: 'CALL_RESPONSE', callId, decision: 'accept', ephemeral: new Uint8Array(32).fill(1) });
    const grants = [await a.next('MEDIA_GRANT'), await b.next('MEDIA_GRANT')];
    const peer = await MediaPeer.open();
    peers.push(peer);
    peer.send(peer.bind(grants[0]!), relay);
    await peer.waitFor(1);
    a.send({ type: 'CALL_END', callId, reason: 'hangup' });
    await b.next('CALL_END');
    // A refusal is logged too.
    (await fx.client(relay)).sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    await new Promise((r) => setTimeout(r, 100));
    const log = lines.join('');
    expect(log).toContain('client:registered');
    expect(log).toContain('request:refused');
    expect(log).not.toMatch(/BEGIN|PRIVATE KEY|PUBLIC KEY/);
    const secrets = [
      alice.publicKey.toDer(),
      bob.publicKey.toDer(),
      relayKey.publicKey.toDer(),
      relayKey.toPkcs8Der(),
      grants[0]!.token,
      grants[1]!.token,
    ];
    for (const secret of secrets) {
      const b64 = Buffer.from(secret).toString('base64');
      const hex = Buffer.from(secret).toString('hex');
      for (let i = 0; i + 24 <= b64.length; i += 12) expect(log).not.toContain(b64.slice(i, i + 24));
      for (let i = 0; i + 32 <= hex.length; i += 16) expect(log).not.toContain(hex.slice(i, i + 32));
    }
  });
});

describe('metrics and blocklist reload', () => {
  it('serves Prometheus text on loopback with counters for rejections and media drops', async () => {
    const relay = await fx.relay({ metricsPort: 0 });
    expect(relay.metricsPort).toBeGreaterThan(0);
    (await fx.client(relay)).sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    const junk = await MediaPeer.open();
    peers.push(junk);
    junk.send(new Uint8Array(5), relay);
    await new Promise((r) => setTimeout(r, 150));
    const response = await fetch(`http://127.0.0.1:${relay.metricsPort}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('leitung_relay_rejections_total{code="WIRE_ERR_FRAME_TOO_LARGE"} 1');
    expect(text).toContain('leitung_relay_media_dropped_packets_total{reason="malformed"} 1');
    for (const name of [
      'connections_open',
      'clients_online',
      'calls_active',
      'media_sessions',
      'directory_entries',
      'media_forwarded_packets_total',
      'process_cpu_seconds_total',
    ]) {
      expect(text).toContain(`leitung_relay_${name}`);
    }
    expect((await fetch(`http://127.0.0.1:${relay.metricsPort}/other`)).status).toBe(404);
  });

  it('reloads the blocklist file: newly blocked keys are closed; an invalid file keeps the old list', async () => {
    const dir = tempDir();
    const file = join(dir, 'blocklist.txt');
    writeFileSync(file, '# nothing blocked yet\n');
    const relay = await fx.relay({ blocklistFile: file });
    const a = await fx.client(relay);
    const b = await fx.client(relay);
    await a.register(alice, 'alice', relay.fingerprint);
    await b.register(bob, 'bob', relay.fingerprint);
    writeFileSync(file, `key ${crypto.fingerprint(alice.publicKey)}\n`);
    expect(relay.reloadBlocklist()).toBe(true);
    expect(await a.next('ERROR')).toMatchObject({ code: 'RELAY_ERR_BLOCKED', fatal: true });
    await a.waitClosed();
    writeFileSync(file, 'garbage line\n');
    expect(relay.reloadBlocklist()).toBe(false);
    // Still blocked: the previous list stays in force.
    const again = await fx.client(relay);
    await expect(again.register(alice, 'alice', relay.fingerprint)).rejects.toMatchObject({
      relayCode: 'RELAY_ERR_BLOCKED',
    });
    b.send({ type: 'PING', nonce: new Uint8Array(8), sentAt: 0 });
    await b.next('PONG');
  });
});
