/** How the view words things: ids in groups, durations, quality figures, call-end reasons. */
import type { CallSnapshot } from '@leitung/client/browser';
import type { LiveQuality } from '../audio/call-audio.js';

/** The first 8 hex digits of a client id in two groups, as the terminal phonebook shows them. */
export function shortId(clientId: string): string {
  return `${clientId.slice(0, 4)} ${clientId.slice(4, 8)}`;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function qualityLine(q: LiveQuality | undefined): string {
  if (q === undefined) return 'audio starting…';
  if (q.audio === 'none') return 'waiting for audio…';
  if (q.audio === 'stalled') return 'no audio arriving';
  const loss = q.lossPercent === undefined ? '–' : `${q.lossPercent.toFixed(1)} %`;
  const mos = q.mos === undefined ? '–' : q.mos.toFixed(2);
  return (
    `loss ${loss} · jitter ${q.jitterMs.toFixed(1)} ms · buffer ${q.bufferDelayMs.toFixed(0)} ms · ` +
    `↑ ${q.sendKbps.toFixed(1)} ↓ ${q.receiveKbps.toFixed(1)} kbit/s · MOS ${mos}`
  );
}

export function endedLine(call: Extract<CallSnapshot, { phase: 'ended' }>): string {
  const who = call.peer?.name ?? call.peerName ?? 'the call';
  const by = call.by === 'local' ? 'you' : 'the other side';
  switch (call.reason) {
    case 'hangup':
      return `Call with ${who} ended by ${by}.`;
    case 'rejected':
      return call.by === 'local' ? `You rejected the call from ${who}.` : `${who} rejected the call.`;
    case 'busy':
      return `${who} is busy.`;
    case 'timeout':
      return `${who} did not answer.`;
    case 'offline':
      return `${who} is offline.`;
    case 'relay-shutdown':
      return 'The relay shut down; the call ended.';
    case 'error':
      return `The call ended with an error${call.code === undefined ? '' : ` (${call.code})`}.`;
  }
}
