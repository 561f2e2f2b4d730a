/**
 * The call on screen: dialing (with the steps the client takes), the live call with its safety number,
 * level meters and quality figures (loss, jitter, RTT, bitrate, MOS), or how the last call ended.
 */
import { Box, Text } from 'ink';
import type { CallView } from '../app/state.js';
import type { CallQuality } from '../media/call-media.js';
import { meterBar } from '../media/level-meter.js';
import { shown } from './display-text.js';
import { elapsed, fixed, safetyRows } from './format.js';

export function CallPanel({ call, now }: { readonly call: CallView; readonly now: number }) {
  switch (call.kind) {
    case 'idle':
    case 'incoming':
      return null;
    case 'dialing':
      return (
        <Box borderStyle="round" borderColor="yellow" flexDirection="column" paddingX={1}>
          <Text bold color="yellow">
            Calling {shown(call.peerName)} … {elapsed(call.since, now)}
          </Text>
          <Text dimColor>
            {call.ringing
              ? 'key verified against the directory; ringing'
              : 'verifying the key against the directory (inclusion proof)'}
          </Text>
          <Text>
            <Text bold>h</Text> hang up
          </Text>
        </Box>
      );
    case 'active': {
      const q = call.quality;
      const rows = call.safetyNumber === undefined ? undefined : safetyRows(call.safetyNumber);
      return (
        <Box borderStyle="round" borderColor="green" flexDirection="column" paddingX={1}>
          <Text bold color="green">
            In call with {shown(call.peer.name)} · {elapsed(call.since, now)} ·{' '}
            {call.role === 'caller' ? 'you called' : 'you answered'}
            {call.bound ? '' : ' · connecting audio …'}
          </Text>
          <Text>
            <Text color="green">post-quantum</Text> call keys ({shown(call.keyExchange)})
          </Text>
          {rows === undefined ? null : (
            <Text>
              safety number <Text bold>{rows[0]}</Text> <Text bold>{rows[1]}</Text>
            </Text>
          )}
          <Text>
            out {meterBar(q?.levelOutDb ?? -90, 24)} {fixed(q?.levelOutDb, 0, ' dBFS')}{' '}
            <Text dimColor>{call.source}</Text>
          </Text>
          <Text>
            in {'  '}
            {meterBar(q?.levelInDb ?? -90, 24)} {fixed(q?.levelInDb, 0, ' dBFS')}{' '}
            <Text dimColor>{call.sink}</Text>
          </Text>
          {q === undefined || q.mos === undefined || q.lossPercent === undefined ? (
            <Text>
              <Text bold color={q?.audio === 'stalled' ? 'red' : 'yellow'}>
                {noAudio(q)}
              </Text>{' '}
              · RTT {fixed(q?.rttMs, 1, ' ms')} · bitrate {fixed(q?.sendKbps, 1, '')} kbit/s out
            </Text>
          ) : (
            <Text>
              loss {fixed(q.lossPercent, 1, ' %')} · jitter {fixed(q.jitterMs, 1, ' ms')} · RTT{' '}
              {fixed(q.rttMs, 1, ' ms')} · bitrate {fixed(q.sendKbps, 1, '')}/
              {fixed(q.receiveKbps, 1, ' kbit/s')} · MOS{' '}
              <Text bold color={q.mos >= 4 ? 'green' : q.mos >= 3.6 ? 'yellow' : 'red'}>
                {fixed(q.mos, 2, '')}
              </Text>
            </Text>
          )}
          <Text>
            <Text bold>h</Text> hang up
          </Text>
        </Box>
      );
    }
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

/** What the quality line says while no audio arrives: no loss or MOS is shown over nothing. */
function noAudio(q: CallQuality | undefined): string {
  if (q === undefined || q.audio === 'none') return 'no audio yet';
  const seconds = Math.floor((q.silentForMs ?? 0) / 1000);
  return `no audio for ${seconds} s`;
}
