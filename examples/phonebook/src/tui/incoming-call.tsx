/** The incoming-call prompt: who calls (as the relay authenticated them), the safety number, a or r. */
import { Box, Text } from 'ink';
import { shown } from './display-text.js';
import { elapsed, safetyRows } from './format.js';

export function IncomingCall({
  name,
  safetyNumber,
  since,
  now,
  tone = false,
}: {
  readonly name: string;
  readonly safetyNumber: string;
  /** When it began ringing (wall clock) and now: how long it rings. */
  readonly since?: number;
  readonly now?: number;
  /** The ring tone plays on the speaker (else only the terminal bell rings). */
  readonly tone?: boolean;
}) {
  const [first, second] = safetyRows(safetyNumber);
  return (
    <Box borderStyle="round" borderColor="cyan" flexDirection="column" paddingX={1}>
      <Text bold color="cyan" wrap="truncate-end">
        ☎ Incoming call from {shown(name)}{' '}
        <Text color="yellow">
          · ringing{since === undefined || now === undefined ? '' : ` ${elapsed(since, now)}`}
        </Text>{' '}
        <Text dimColor>{tone ? '(ring tone and terminal bell)' : '(terminal bell)'}</Text>
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
