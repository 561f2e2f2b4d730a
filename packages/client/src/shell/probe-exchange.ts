/**
 * RTT and load probing of a relay (docs/design.md §6): a short control connection carrying one unsealed PING,
 * which relays answer before REGISTER with an unsealed PONG holding their load. Nothing secret is sent; the
 * PONG is only used to rank relays — the relay's identity is still checked at registration (pinned key).
 * Shell code: it owns a connection of the transport it is given, so the client frames bytes in one place.
 * It names no transport itself, so the browser entry reaches it without TCP (relay-prober.ts adds the Node
 * default; docs/client.md "Entry points").
 */
import { decodeMessage, encodeMessage } from '@leitung/wire';
import { bytesEqual } from '../bytes.js';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { ProbeResult } from '../relays/probe-result.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { ClientTransport } from '../transport/client-transport.js';

/** A PONG is a few dozen bytes: a relay that announces more is not answering a probe. */
const PROBE_MAX_FRAME = 4096;

/**
 * Probes `entry` over `transport`; rejects with CLIENT_ERR_TIMEOUT, CLIENT_ERR_CONNECTION_CLOSED or
 * CLIENT_ERR_PROTOCOL.
 */
export function probeOver(
  entry: RelayEntry,
  timeoutMs: number,
  random: (n: number) => Uint8Array,
  transport: ClientTransport,
): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const nonce = random(8);
    let sentAt = 0;
    let done = false;
    const finish = (error: Error | undefined, result?: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      connection.close();
      if (error) reject(error);
      else resolve(result!);
    };
    const connection = transport.openControl(
      entry,
      {
        onOpen: () => {
          sentAt = performance.now();
          connection.send(encodeMessage({ type: 'PING', nonce, sentAt: Date.now() }));
        },
        onFrame: (frame) => {
          try {
            const message = decodeMessage(frame, { from: 'relay' });
            if (message.type !== 'PONG' || !bytesEqual(message.nonce, nonce)) {
              throw new ClientError(ClientErrorCode.Protocol, 'relay did not answer the probe with its PONG');
            }
            finish(undefined, { rttMs: performance.now() - sentAt, load: message.load });
          } catch (error) {
            finish(error instanceof Error ? error : new Error(String(error)));
          }
        },
        onClose: (code) =>
          finish(
            new ClientError(
              ClientErrorCode.ConnectionClosed,
              code === undefined ? 'relay closed the probe connection' : `relay probe failed (${code})`,
            ),
          ),
      },
      { maxFrameSize: PROBE_MAX_FRAME },
      'probe',
    );
    const timer = setTimeout(
      () => finish(new ClientError(ClientErrorCode.Timeout, 'relay probe timed out')),
      timeoutMs,
    );
  });
}
