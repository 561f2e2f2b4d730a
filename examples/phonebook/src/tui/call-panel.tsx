/**
 * The call on screen, rendered from the client's call snapshot (docs/client.md "Call state") and this
 * program's audio: dialing and ringing, the live call with its safety number, level meters and quality
 * figures (loss, jitter, RTT, bitrate, MOS) — or, while no audio arrives, why not — and how the last call
 * ended. Loss and MOS are shown only while audio arrives.
 */
import type { CallSnapshot } from '@leitung/client';
import { Box, Text } from 'ink';
import type { CallAudio } from '../app/state.js';
import type { CallQuality } from '../media/call-media.js';
import { meterBar } from '../media/level-meter.js';
import { shown } from './display-text.js';
import { elapsed, fixed, safetyRows } from './format.js';

type LiveCall = Extract<CallSnapshot, { phase: 'connecting-media' | 'active' | 'reconnecting' }>;

/** Mute and volume as the call screen shows them. */
export interface CallControls {
  readonly muted: boolean;
  readonly volume: number;
}

export function CallPanel({
  call,
  audio,
  now,
  controls = { muted: false, volume: 100 },
}: {
  readonly call: CallSnapshot | undefined;
  readonly audio: CallAudio | undefined;
  readonly now: number;
  readonly controls?: CallControls;
}) {
  if (call === undefined) return null;
  switch (call.phase) {
    case 'dialing':
    case 'ringing': {
      if (call.direction === 'incoming') return null; // the incoming-call box asks
      const name = call.phase === 'dialing' ? call.target : call.peer.name;
      return (
        <Box borderStyle="round" borderColor="yellow" flexDirection="column" paddingX={1}>
          <Text bold color="yellow">
            Calling {shown(name)} … {elapsed(call.since, now)}
          </Text>
          <Text dimColor>
            {call.phase === 'ringing'
              ? 'key verified against the directory; ringing'
              : 'verifying the key against the directory (inclusion proof)'}
          </Text>
          <Text>
            <Text bold>h</Text> hang up{controls.muted ? ' · muted' : ''}
          </Text>
        </Box>
      );
    }
    case 'connecting-media':
    case 'active':
    case 'reconnecting':
      return <LivePanel call={call} audio={audio} now={now} controls={controls} />;
    case 'ended':
      return (
        <Box paddingX={1}>
          <Text dimColor>
            Call {call.peerName === undefined ? '' : `with ${shown(call.peerName)} `}ended (
            {shown(call.reason)}
            {call.code === undefined ? '' : `, ${shown(call.code)}`},{' '}
            {call.by === 'local' ? 'by you' : 'by the other side'})
          </Text>
        </Box>
      );
  }
}

function LivePanel({
  call,
  audio,
  now,
  controls,
}: {
  readonly call: LiveCall;
  readonly audio: CallAudio | undefined;
  readonly now: number;
  readonly controls: CallControls;
}) {
  const q = audio?.callId === call.callId ? audio.quality : undefined;
  const rows = safetyRows(call.safetyNumber);
  const color = call.phase === 'reconnecting' ? 'red' : call.phase === 'active' ? 'green' : 'yellow';
  return (
    <Box borderStyle="round" borderColor={color} flexDirection="column" paddingX={1}>
      <Text bold color={color}>
        In call with {shown(call.peer.name)} · {elapsed(call.answeredAt, now)} ·{' '}
        {call.role === 'caller' ? 'you called' : 'you answered'} · {status(call)}
      </Text>
      <Text>
        <Text color="green">post-quantum</Text> call keys ({shown(call.keyExchange)})
      </Text>
      {/* Two rows, as on the incoming-call prompt: one row is wider than an 80-column terminal. */}
      <Text>
        safety number <Text bold>{rows[0]}</Text>
      </Text>
      <Text>
        {'              '}
        <Text bold>{rows[1]}</Text>
      </Text>
      <Text>
        out {meterBar(q?.levelOutDb ?? -90, 24)} {fixed(q?.levelOutDb, 0, ' dBFS')}{' '}
        {controls.muted ? (
          <Text bold color="red">
            muted — the other side hears silence
          </Text>
        ) : (
          <Text dimColor>{audio?.source ?? ''}</Text>
        )}
      </Text>
      <Text>
        in {'  '}
        {meterBar(q?.levelInDb ?? -90, 24)} {fixed(q?.levelInDb, 0, ' dBFS')}{' '}
        <Text dimColor>{audio?.sink ?? ''}</Text>
      </Text>
      {call.phase !== 'active' || q === undefined || q.mos === undefined || q.lossPercent === undefined ? (
        <Text>
          <Text bold color={call.phase === 'reconnecting' ? 'red' : 'yellow'}>
            {noAudio(call, q, now)}
          </Text>{' '}
          · RTT {fixed(q?.rttMs, 1, ' ms')} · bitrate {fixed(q?.sendKbps, 1, '')} kbit/s out
        </Text>
      ) : (
        <Box flexDirection="column">
          <Text>
            loss {fixed(q.lossPercent, 1, ' %')} · jitter {fixed(q.jitterMs, 1, ' ms')} · RTT{' '}
            {fixed(q.rttMs, 1, ' ms')}
          </Text>
          <Text>
            bitrate {fixed(q.sendKbps, 1, '')}/{fixed(q.receiveKbps, 1, ' kbit/s')} · MOS{' '}
            <Text bold color={q.mos >= 4 ? 'green' : q.mos >= 3.6 ? 'yellow' : 'red'}>
              {fixed(q.mos, 2, '')}
            </Text>
          </Text>
        </Box>
      )}
      <Text>
        <Text bold>h</Text> hang up · <Text bold>m</Text> {controls.muted ? 'unmute' : 'mute'} ·{' '}
        <Text bold>+/-</Text> volume <Text bold>{controls.volume} %</Text>
      </Text>
    </Box>
  );
}

/** The call's state in words, from the snapshot. */
function status(call: LiveCall): string {
  switch (call.phase) {
    case 'connecting-media':
      return call.media === 'failed' ? 'audio could not be connected' : 'connecting audio …';
    case 'active':
      return 'connected';
    case 'reconnecting':
      return call.cause === 'connection' ? 'relay lost, reconnecting …' : 'no audio arriving, waiting …';
  }
}

/** What the quality line says while no audio arrives: no loss or MOS is shown over nothing. */
function noAudio(call: LiveCall, q: CallQuality | undefined, now: number): string {
  if (call.audio === 'waiting') return 'no audio yet';
  const since = call.phase === 'reconnecting' ? call.since : now - (q?.silentForMs ?? 0);
  return `no audio for ${Math.max(0, Math.floor((now - since) / 1000))} s`;
}
