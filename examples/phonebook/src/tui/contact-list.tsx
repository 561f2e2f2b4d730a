/**
 * The phonebook: online state (●/○), verification mark, the selected row. No addresses, ever. The list
 * shows `height` rows at most and scrolls with the selection (a window that moves only when the
 * selection leaves it), so a long phonebook never makes the frame taller than the terminal.
 */
import type { ContactInfo } from '@leitung/client';
import { Box, Text } from 'ink';
import { useRef } from 'react';
import { shown } from './display-text.js';
import { shortId, verificationMark } from './format.js';

/** Contacts whose name contains `query` (case-insensitive); all of them for an empty query. */
export function filterContacts(contacts: readonly ContactInfo[], query: string): readonly ContactInfo[] {
  const q = query.normalize('NFC').toLocaleLowerCase();
  if (q === '') return contacts;
  return contacts.filter((c) => c.name.normalize('NFC').toLocaleLowerCase().includes(q));
}

/** The first visible row: the previous one, moved just enough to keep `selected` in view. */
export function windowTop(count: number, selected: number, height: number, previous: number): number {
  if (height <= 0 || count <= height) return 0;
  let top = Math.min(previous, selected);
  if (selected >= top + height) top = selected - height + 1;
  return Math.max(0, Math.min(top, count - height));
}

export function ContactList({
  contacts,
  selected,
  height,
  emptyText,
}: {
  readonly contacts: readonly ContactInfo[];
  readonly selected: number;
  /** Rows available; undefined: as many as there are contacts. */
  readonly height?: number | undefined;
  readonly emptyText?: string | undefined;
}) {
  const top = useRef(0);
  if (contacts.length === 0) {
    return (
      <Box paddingX={1}>
        <Text dimColor>{emptyText ?? 'Nobody else in the directory yet.'}</Text>
      </Box>
    );
  }
  const rows = height === undefined ? contacts.length : Math.max(0, height);
  top.current = windowTop(contacts.length, selected, rows, top.current);
  const visible = contacts.slice(top.current, top.current + rows);
  return (
    <Box flexDirection="column" paddingX={1}>
      {visible.map((c, offset) => {
        const i = top.current + offset;
        const v = verificationMark(c);
        const here = i === selected;
        return (
          <Box key={c.clientId}>
            <Text wrap="truncate-end">
              <Text color="cyan">{here ? '▶ ' : '  '}</Text>
              <Text color={c.online ? 'green' : 'gray'}>{c.online ? '●' : '○'} </Text>
              <Text bold={here}>{shown(c.name).padEnd(20)}</Text>
              <Text color={v.color} bold={c.verification === 'key-changed'}>
                {v.mark} {v.label.padEnd(17)}
              </Text>
              <Text dimColor> {shortId(c.clientId)}</Text>
            </Text>
          </Box>
        );
      })}
    </Box>
  );
}
