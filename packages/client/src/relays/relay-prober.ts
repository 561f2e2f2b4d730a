/**
 * RTT and load probing of a relay (docs/design.md §6): a short TCP connection carrying one unsealed PING, which
 * relays answer before REGISTER with an unsealed PONG holding their load. Nothing secret is sent; the PONG
 * is only used to rank relays — the relay's identity is still checked at registration (pinned key).
 */
import net from 'node:net';
import { decodeMessage, encodeFrame, encodeMessage, FrameDecoder, type RelayLoad } from '@leitung/wire';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { RelayEntry } from './relay-entry.js';

export interface ProbeResult {
  readonly rttMs: number;
  readonly load: RelayLoad;
}

export type RelayProbe = (entry: RelayEntry, timeoutMs: number) => Promise<ProbeResult>;

/** Probes `entry` over TCP; rejects with CLIENT_ERR_TIMEOUT, CLIENT_ERR_CONNECTION_CLOSED or CLIENT_ERR_PROTOCOL. */
export function probeRelay(
  entry: RelayEntry,
  timeoutMs: number,
  random: (n: number) => Uint8Array,
): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const nonce = random(8);
    const decoder = new FrameDecoder({ maxFrameSize: 4096 });
    const socket = net.connect({ host: entry.host, port: entry.port });
    let sentAt = 0;
    let done = false;
    const finish = (error: Error | undefined, result?: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(result!);
    };
    const timer = setTimeout(
      () => finish(new ClientError(ClientErrorCode.Timeout, 'relay probe timed out')),
      timeoutMs,
    );
    socket.setNoDelay(true);
    socket.on('connect', () => {
      sentAt = performance.now();
      socket.write(encodeFrame(encodeMessage({ type: 'PING', nonce, sentAt: Date.now() })));
    });
    socket.on('data', (chunk) => {
      try {
        for (const frame of decoder.push(new Uint8Array(chunk))) {
          const message = decodeMessage(frame, { from: 'relay' });
          if (message.type !== 'PONG' || !Buffer.from(message.nonce).equals(Buffer.from(nonce))) {
            throw new ClientError(ClientErrorCode.Protocol, 'relay did not answer the probe with its PONG');
          }
          finish(undefined, { rttMs: performance.now() - sentAt, load: message.load });
          return;
        }
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('error', (error) =>
      finish(new ClientError(ClientErrorCode.ConnectionClosed, 'relay probe failed', { cause: error })),
    );
    socket.on('close', () =>
      finish(new ClientError(ClientErrorCode.ConnectionClosed, 'relay closed the probe connection')),
    );
  });
}
