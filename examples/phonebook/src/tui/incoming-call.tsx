/** The incoming-call prompt: who calls (as the relay authenticated them), the safety number, a or r. */
import { Box, Text } from 'ink';
import { shown } from './display-text.js';
import { safetyRows } from './format.js';

export function IncomingCall({
  name,
  safetyNumber,
}: {
  readonly name: string;
  readonly safetyNumber: string;
}) {
  const [first, second] = safetyRows(safetyNumber);
  return (
    <Box borderStyle="round" borderColor="cyan" flexDirection="column" paddingX={1}>
      <Text bold color="cyan">
        ☎ Incoming call from {shown(name)}
      </Text>
      <Text>
        safety number <Text bold>{first}</Text>
      </Text>
      <Text>
        {'              '}
        <Text bold>{second}</Text>
      </Text>
      <Text dimColor>(the same digits on both screens mean you talk to the key you verified)</Text>
      <Text>
        <Text bold color="green">
          a
        </Text>{' '}
        answer ·{' '}
        <Text bold color="red">
          r
        </Text>{' '}
        reject
      </Text>
    </Box>
  );
}
