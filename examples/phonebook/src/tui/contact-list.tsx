/** The phonebook: online state (●/○), verification mark, the selected row. No addresses, ever. */
import type { ContactInfo } from '@leitung/client';
import { Box, Text } from 'ink';
import { shown } from './display-text.js';
import { shortId, verificationMark } from './format.js';

export function ContactList({
  contacts,
  selected,
}: {
  readonly contacts: readonly ContactInfo[];
  readonly selected: number;
}) {
  if (contacts.length === 0) {
    return (
      <Box paddingX={1}>
        <Text dimColor>Nobody else in the directory yet.</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" paddingX={1}>
      {contacts.map((c, i) => {
        const v = verificationMark(c);
        const here = i === selected;
        return (
          <Box key={c.clientId}>
            <Text color="cyan">{here ? '▶ ' : '  '}</Text>
            <Text color={c.online ? 'green' : 'gray'}>{c.online ? '●' : '○'} </Text>
            <Text bold={here}>{shown(c.name).padEnd(20)}</Text>
            <Text color={v.color} bold={c.verification === 'key-changed'}>
              {v.mark} {v.label.padEnd(17)}
            </Text>
            <Text dimColor> {shortId(c.clientId)}</Text>
          </Box>
        );
      })}
    </Box>
  );
}
