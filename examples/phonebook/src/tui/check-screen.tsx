/**
 * The audio check (`t`): Enter records 3 s from the chosen microphone with a live level meter, then plays
 * them back on the chosen speaker. Without a microphone it says so in plain words and records nothing.
 */
import { Box, Text } from 'ink';
import type { SoundState } from '../app/state.js';
import type { AudioCheckState } from '../media/audio-check.js';
import { meterBar } from '../media/level-meter.js';
import { shown } from './display-text.js';
import { fixed } from './format.js';

export function CheckScreen({
  sound,
  check,
}: {
  readonly sound: SoundState;
  readonly check: AudioCheckState;
}) {
  const noMic = sound.environment !== undefined && !sound.environment.input.works;
  const noSpeaker = sound.environment !== undefined && !sound.environment.output.works;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold wrap="truncate-end">
        Audio check <Text dimColor>· Enter start · Esc back</Text>
      </Text>
      <Text wrap="truncate-end">
        Records 3 s from the microphone ({shown(sound.inputDevice ?? 'system default')}), then plays them back
        on the speaker ({shown(sound.outputDevice ?? 'system default')}).
      </Text>
      {noMic ? (
        <Text color="red" wrap="truncate-end">
          no microphone found — calls will send silence; use --input FILE.wav
        </Text>
      ) : null}
      {noSpeaker && !noMic ? (
        <Text color="yellow" wrap="truncate-end">
          no speaker found — the recording's level is shown, nothing is played back
        </Text>
      ) : null}
      <Progress check={check} />
    </Box>
  );
}

function Progress({ check }: { readonly check: AudioCheckState }) {
  switch (check.phase) {
    case 'idle':
      return <Text dimColor>press Enter to start</Text>;
    case 'recording':
    case 'playing':
      return (
        <Text>
          {check.phase === 'recording' ? 'recording' : 'playing back'} {(check.elapsedMs / 1000).toFixed(1)} s{' '}
          <Text color="green">{meterBar(check.levelDb, 24)}</Text> {fixed(check.levelDb, 0, ' dBFS')}
        </Text>
      );
    case 'done':
      return (
        <Text>
          done: loudest {fixed(check.peakDb, 0, ' dBFS')}
          {check.peakDb < -55 ? ' — that is silence: is the microphone muted or unplugged?' : ''}
          {check.playedBack ? ' — did you hear yourself? Enter to check again' : ''}
        </Text>
      );
    case 'failed':
      return (
        <Text color="red" wrap="truncate-end">
          the audio check failed: {shown(check.message)}
        </Text>
      );
  }
}
