/**
 * The header: one line, always on screen, never wider than the terminal — who you are, the relay, the
 * connection and the missed calls. When it does not fit, the least useful parts go first (the
 * fingerprint, the word "relay", "you are"), then the name is shortened with an ellipsis.
 */
import { Box, Text } from 'ink';
import type { PhonebookState } from '../app/state.js';
import { shown } from './display-text.js';
import { shortId } from './format.js';

export interface HeaderParts {
  readonly title: string;
  readonly who: string;
  readonly fingerprint: string | undefined;
  readonly relay: string | undefined;
  readonly status: string;
  readonly connected: boolean;
  readonly missed: string | undefined;
}

/** The header's parts for `width` columns (pure, for tests). */
export function headerParts(state: PhonebookState, width: number): HeaderParts {
  const name = shown(state.self.name);
  const relay = state.relay === undefined ? '–' : `${state.relay.host}:${state.relay.port}`;
  const connected = state.connection === 'ready';
  const status = connected ? '● connected' : `◌ ${state.connection}`;
  const missed = state.missed > 0 ? `☎ ${state.missed} missed` : undefined;
  const fingerprint = `(${shortId(state.self.clientId).slice(0, 9)})`;
  const tries: HeaderParts[] = [
    {
      title: 'Leitung',
      who: `you are ${name}`,
      fingerprint,
      relay: `relay ${relay}`,
      status,
      connected,
      missed,
    },
    {
      title: 'Leitung',
      who: `you are ${name}`,
      fingerprint: undefined,
      relay: `relay ${relay}`,
      status,
      connected,
      missed,
    },
    { title: 'Leitung', who: `you are ${name}`, fingerprint: undefined, relay, status, connected, missed },
    { title: 'Leitung', who: name, fingerprint: undefined, relay, status, connected, missed },
  ];
  for (const parts of tries) if (headerWidth(parts) <= width) return parts;
  // Still too wide: shorten the name, then drop the relay.
  const last = tries.at(-1)!;
  const room = width - headerWidth({ ...last, who: '' });
  if (room >= 6) return { ...last, who: ellipsis(name, room) };
  const noRelay = { ...last, relay: undefined };
  return { ...noRelay, who: ellipsis(name, Math.max(1, width - headerWidth({ ...noRelay, who: '' }))) };
}

export function headerText(parts: HeaderParts): string {
  return ` ${[
    parts.title,
    parts.who + (parts.fingerprint === undefined ? '' : ` ${parts.fingerprint}`),
    parts.relay,
    parts.status,
    parts.missed,
  ]
    .filter((p) => p !== undefined)
    .join(' · ')}`;
}

function headerWidth(parts: HeaderParts): number {
  return [...headerText(parts)].length;
}

function ellipsis(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export function Header({ state, columns }: { readonly state: PhonebookState; readonly columns: number }) {
  // One column spare: a line exactly as wide as the terminal makes some terminals wrap.
  const parts = headerParts(state, columns - 1);
  return (
    <Box flexShrink={0}>
      <Text wrap="truncate-end">
        {' '}
        <Text bold color="blue">
          {parts.title}
        </Text>
        {' · '}
        <Text bold>{parts.who}</Text>
        {parts.fingerprint === undefined ? '' : <Text dimColor> {parts.fingerprint}</Text>}
        {parts.relay === undefined ? '' : ` · ${parts.relay}`}
        {' · '}
        <Text color={parts.connected ? 'green' : 'yellow'}>{parts.status}</Text>
        {parts.missed === undefined ? (
          ''
        ) : (
          <>
            {' · '}
            <Text bold color="yellow">
              {parts.missed}
            </Text>
          </>
        )}
      </Text>
    </Box>
  );
}
