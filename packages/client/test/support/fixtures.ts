/** Shared test fixtures: crypto, cached RSA test keys, event helpers, client factory. */
import { createCrypto, type LeitungCrypto, type RsaPrivateKey } from '@leitung/crypto';
import {
  acceptOffer,
  CallIdReplayGuard,
  completeCall,
  createCallOffer,
  openCallOffer,
} from '@leitung/session';
import type { EventEmitter } from 'eventemitter3';
import { testKeyPair } from '../../../../scripts/test-keys.mjs';
import { Client, type ClientOptions, type MediaFrame, type RelayEntry } from '../../src/index.js';

export const crypto: LeitungCrypto = createCrypto();

export async function key(name: string): Promise<RsaPrivateKey> {
  return crypto.importRsaPrivateKey((await testKeyPair(name)).privateKeyPem);
}

/** Resolves with the next `name` event matching `match`; rejects after `timeoutMs`. */
export function nextEvent<T = unknown>(
  // biome-ignore lint/suspicious/noExplicitAny: any emitter of this package (Client, SecurityMonitor)
  emitter: EventEmitter<any>,
  name: string,
  match: (event: T) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(name, listener);
      reject(new Error(`timed out waiting for ${name}`));
    }, timeoutMs);
    const listener = (event: T) => {
      if (!match(event)) return;
      clearTimeout(timer);
      emitter.off(name, listener);
      resolve(event);
    };
    emitter.on(name, listener);
  });
}

/** Resolves with the next frame a client's media lane delivers (through `mediaTransport()`); rejects after `timeoutMs`. */
export function nextFrame(client: Client, timeoutMs = 5_000): Promise<MediaFrame> {
  const transport = client.mediaTransport();
  return new Promise<MediaFrame>((resolve, reject) => {
    const timer = setTimeout(() => {
      transport.close();
      reject(new Error(`timed out waiting for a frame at ${client.name}`));
    }, timeoutMs);
    transport.onFrame((frame) => {
      clearTimeout(timer);
      transport.close();
      resolve(frame);
    });
  });
}

/** Every frame a client's media lane delivers from now on. */
export function framesOf(client: Client): MediaFrame[] {
  const frames: MediaFrame[] = [];
  client.mediaTransport().onFrame((frame) => frames.push(frame));
  return frames;
}

/** Polls `condition` until true or the timeout. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Records every event a client emits, by name. */
export function record(client: Client): Map<string, unknown[]> {
  const seen = new Map<string, unknown[]>();
  const original = client.emit.bind(client) as (name: string, ...args: unknown[]) => boolean;
  client.emit = ((name: string, ...args: unknown[]) => {
    const list = seen.get(name) ?? [];
    list.push(args[0]);
    seen.set(name, list);
    return original(name, ...args);
  }) as typeof client.emit;
  return seen;
}

export class ClientPool {
  readonly clients: Client[] = [];

  make(
    identity: ClientOptions['identity'],
    name: string,
    relays: readonly RelayEntry[],
    options: Partial<ClientOptions> = {},
  ): Client {
    const client = new Client({
      identity,
      name,
      relays,
      crypto,
      probeIntervalMs: 0,
      probeTimeoutMs: 1_000,
      backoff: { baseMs: 50, maxMs: 400 },
      startAttempts: 2,
      ...options,
    });
    this.clients.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
  }
}

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; cause?: unknown };
  }
  throw new Error('expected a rejection');
}

/** Matching caller and callee media keys from a real (in-memory) call setup between two keys. */
export function mediaKeyPair(callerKey: RsaPrivateKey, calleeKey: RsaPrivateKey) {
  const caller = { id: crypto.sha3_256(callerKey.publicKey.toDer()), privateKey: callerKey };
  const callee = { id: crypto.sha3_256(calleeKey.publicKey.toDer()), privateKey: calleeKey };
  const now = Date.now();
  const offer = createCallOffer({
    crypto,
    caller,
    callee: { id: callee.id, publicKey: calleeKey.publicKey },
    codecs: [2],
    now,
  });
  const opened = openCallOffer({
    crypto,
    sealedCallData: offer.sealedCallData,
    statedCallId: offer.callId,
    callee,
    statedCallerId: caller.id,
    callerPublicKey: callerKey.publicKey,
    now,
    replayGuard: new CallIdReplayGuard(),
  });
  const answer = acceptOffer(crypto, opened);
  return { callId: offer.callId, caller: completeCall(crypto, offer.pending, answer), callee: answer.keys };
}
