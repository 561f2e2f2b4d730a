/** The help screen (`?`): every key of the phonebook, from the same table the keys obey (keys.ts). */
import { Box, Text } from 'ink';
import { HELP } from './keys.js';

export function HelpScreen() {
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold>
        Keys <Text dimColor>· Esc or ? back</Text>
      </Text>
      {HELP.map(({ group, keys }) => (
        <Box key={group} flexDirection="column">
          <Text bold color="blue">
            {group}
          </Text>
          {keys.map(([k, what]) => (
            <Text key={k} wrap="truncate-end">
              {'  '}
              <Text bold>{k.padEnd(16)}</Text>
              {what}
            </Text>
          ))}
        </Box>
      ))}
    </Box>
  );
}
