/**
 * The relay's key is not the pinned one: someone between this phonebook and the relay, or a replaced
 * relay, may be answering. Registration stopped at once and is not retried; this screen must look nothing
 * like "cannot reach the relay" (a dead relay is an outage, this is a possible attack): red, double
 * border, capitals, and only one way on — quit.
 */
import { Box, Text } from 'ink';
import { shown } from './display-text.js';

export function RelayAlarm({ message }: { readonly message: string }) {
  return (
    <Box borderStyle="double" borderColor="red" flexDirection="column" paddingX={1}>
      <Text backgroundColor="red" color="white" bold>
        {" ⚠  SECURITY ALARM: THE RELAY'S KEY IS NOT THE PINNED ONE  ⚠ "}
      </Text>
      <Text color="red">{shown(message.replace(/^SECURITY ALARM: /, ''))}</Text>
      <Text dimColor>Nothing more is sent to this relay. Press q to quit.</Text>
    </Box>
  );
}
