/**
 * Sound (`s`): the microphone and the speaker — what the start-up probe found, in plain words, and the
 * devices the tools list (`arecord -L` / `aplay -L`; sox has only its default). Enter chooses the device
 * under the cursor; the choice is kept in the vault and used from the next call on.
 */
import { Box, Text } from 'ink';
import type { SoundState } from '../app/state.js';
import type { DeviceSide } from '../media/devices.js';
import { shown } from './display-text.js';

export interface DeviceOption {
  readonly side: 'input' | 'output';
  /** undefined: the system's default. */
  readonly device: string | undefined;
  readonly label: string;
}

/** The choosable rows: for each side the system default, then every listed device. */
export function deviceOptions(sound: SoundState): DeviceOption[] {
  const env = sound.environment;
  const side = (which: 'input' | 'output', found: DeviceSide | undefined): DeviceOption[] => [
    { side: which, device: undefined, label: 'system default' },
    ...(found?.devices ?? []).map((d) => ({
      side: which,
      device: d.name,
      label: d.description === '' ? d.name : `${d.name}  ${d.description}`,
    })),
  ];
  return [...side('input', env?.input), ...side('output', env?.output)];
}

export function SettingsScreen({
  sound,
  selected,
  height,
}: {
  readonly sound: SoundState;
  readonly selected: number;
  readonly height: number | undefined;
}) {
  const options = deviceOptions(sound);
  const env = sound.environment;
  // Header line, two status lines, the volume line: the device rows get the rest.
  const budget = height === undefined ? options.length : Math.max(2, height - 5);
  const start = Math.max(0, Math.min(selected - Math.floor(budget / 2), options.length - budget));
  const row = (o: DeviceOption, i: number) => {
    const chosen = (o.side === 'input' ? sound.inputDevice : sound.outputDevice) === o.device;
    return (
      <Text key={`${o.side}:${o.device ?? ''}`} wrap="truncate-end">
        <Text color="cyan">{i === selected ? '▶ ' : '  '}</Text>
        {o.side === 'input' ? 'mic     ' : 'speaker '}
        <Text color="green">{chosen ? '✔ ' : '  '}</Text>
        <Text bold={i === selected}>{shown(o.label)}</Text>
      </Text>
    );
  };
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold wrap="truncate-end">
        Sound <Text dimColor>· ↑↓ choose · Enter use for the next call · t audio check · Esc back</Text>
      </Text>
      <Status
        what="microphone"
        side={env?.input}
        file={sound.files.input ?? (sound.files.tone ? 'a 440 Hz tone (--tone)' : undefined)}
        problem={sound.problems.find((p) => p.startsWith('no microphone'))}
      />
      <Status
        what="speaker"
        side={env?.output}
        file={sound.files.output}
        problem={sound.problems.find((p) => p.startsWith('no speaker'))}
      />
      {options.slice(start, start + budget).map((o, k) => row(o, start + k))}
      <Text>
        volume <Text bold>{sound.volume} %</Text> <Text dimColor>(+/-)</Text>
      </Text>
    </Box>
  );
}

function Status({
  what,
  side,
  file,
  problem,
}: {
  readonly what: string;
  readonly side: DeviceSide | undefined;
  readonly file: string | undefined;
  readonly problem: string | undefined;
}) {
  if (file !== undefined)
    return (
      <Text wrap="truncate-end">
        {what}: <Text bold>{shown(file)}</Text>{' '}
        <Text dimColor>(from the command line, in place of the device)</Text>
      </Text>
    );
  if (side === undefined) return <Text dimColor>{what}: checking …</Text>;
  if (side.works)
    return (
      <Text wrap="truncate-end">
        {what}: <Text color="green">✔ works</Text> <Text dimColor>({side.tool})</Text>
      </Text>
    );
  return (
    <Text wrap="truncate-end">
      <Text color="red">✘ {problem ?? `no ${what} found`}</Text>
      {side.reason === undefined ? '' : <Text dimColor> ({shown(side.reason)})</Text>}
    </Text>
  );
}
