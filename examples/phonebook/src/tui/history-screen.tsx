/**
 * Call history (`c`): time, direction, peer, outcome and talk time of each call, newest first, from the
 * vault. Opening it marks the missed calls as seen. Scrolls within the rows it has.
 */
import { Box, Text } from 'ink';
import { useRef } from 'react';
import { type CallRecord, isUnseenMissed, outcomeWords } from '../app/call-log.js';
import { windowTop } from './contact-list.js';
import { shown } from './display-text.js';
import { clockTime, duration } from './format.js';

export function HistoryScreen({
  history,
  selected,
  height,
  now,
}: {
  readonly history: readonly CallRecord[];
  readonly selected: number;
  readonly height: number | undefined;
  readonly now: number;
}) {
  const top = useRef(0);
  const rows = height === undefined ? history.length : Math.max(0, height - 1);
  top.current = windowTop(history.length, selected, rows, top.current);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold wrap="truncate-end">
        Call history ({history.length}) <Text dimColor>· ↑↓ scroll · Esc back · kept in the vault</Text>
      </Text>
      {history.length === 0 ? <Text dimColor>No calls yet.</Text> : null}
      {history.slice(top.current, top.current + rows).map((r, offset) => {
        const i = top.current + offset;
        const missed = r.outcome === 'missed' || (r.direction === 'incoming' && r.outcome === 'busy');
        return (
          <Text key={`${r.at}-${i}`} wrap="truncate-end" inverse={i === selected}>
            {clockTime(r.at, now).padEnd(17)}
            {r.direction === 'outgoing' ? '→ ' : '← '}
            <Text bold>{shown(r.peer).padEnd(20)}</Text>{' '}
            <Text color={missed ? 'red' : r.outcome === 'answered' ? 'green' : 'yellow'}>
              {outcomeWords(r).padEnd(28)}
            </Text>
            {r.durationMs > 0 ? duration(r.durationMs) : '  –  '}
            {isUnseenMissed(r) ? <Text color="yellow"> new</Text> : ''}
          </Text>
        );
      })}
    </Box>
  );
}
