/**
 * The key-change alarm (docs/design.md §4: clients pin contact keys and raise an alarm when one changes). It
 * must be impossible to miss: a red, double-bordered block at the top of every screen, in capitals, that
 * stays until the user accepts the new key (after comparing the safety number out of band) or dismisses
 * it — and calls to that contact stay blocked until the key is accepted.
 */
import { Box, Text } from 'ink';
import type { KeyAlarm } from '../app/state.js';
import { shown } from './display-text.js';
import { safetyRows, shortId } from './format.js';

export function KeyAlarms({ alarms }: { readonly alarms: readonly KeyAlarm[] }) {
  if (alarms.length === 0) return null;
  return (
    <Box flexDirection="column">
      {alarms.map(({ name: rawName, ...alarm }) => {
        const name = shown(rawName);
        return (
          <Box key={rawName} borderStyle="double" borderColor="red" flexDirection="column" paddingX={1}>
            <Text backgroundColor="red" color="white" bold>
              {` ⚠  SECURITY ALARM: THE KEY OF ${name.toUpperCase()} HAS CHANGED  ⚠ `}
            </Text>
            <Text>
              pinned key <Text bold>{shortId(alarm.pinnedClientId)}</Text> → the directory now shows{' '}
              <Text bold color="red">
                {shortId(alarm.newClientId)}
              </Text>
            </Text>
            <Text>
              Someone may be impersonating {name}, or {name} has a new device. Calls to {name} are blocked.
            </Text>
            {alarm.safetyNumber === undefined ? null : (
              <Text>
                safety number with the new key <Text bold>{safetyRows(alarm.safetyNumber).join(' ')}</Text>
              </Text>
            )}
            <Text color="yellow">
              {alarm.source === 'lookup'
                ? `Compare the safety number with ${name} in person or by phone, then press k to accept the new key, x to dismiss.`
                : `Press l on ${name} to check the new key against the directory first; x to dismiss.`}
            </Text>
          </Box>
        );
      })}
    </Box>
  );
}
