/**
 * Every key of the terminal UI in one place: what a key does on which screen, in which call stage,
 * while typing a search or confirming quit. Pure (key in, action out), so the help screen and the
 * tests read the same table the program obeys.
 */
import type { Key } from 'ink';
import type { CallStage } from '../app/state.js';

export type ScreenName = 'main' | 'help' | 'history' | 'settings' | 'check';

export interface KeyContext {
  readonly screen: ScreenName;
  readonly stage: CallStage;
  /** Typing a search (after `/`). */
  readonly typing: boolean;
  /** A search filter is set (typing or not). */
  readonly filtered: boolean;
  /** "Hang up and quit? y/n" is asked. */
  readonly confirmingQuit: boolean;
  readonly alarm: boolean;
}

export type KeyAction =
  | { readonly kind: 'move'; readonly by: number }
  | { readonly kind: 'enter' }
  | { readonly kind: 'answer' }
  | { readonly kind: 'reject' }
  | { readonly kind: 'hang-up' }
  | { readonly kind: 'lookup' }
  | { readonly kind: 'accept-key' }
  | { readonly kind: 'dismiss-alarm' }
  | { readonly kind: 'mute' }
  | { readonly kind: 'volume'; readonly delta: number }
  | { readonly kind: 'screen'; readonly screen: ScreenName }
  | { readonly kind: 'search-start' }
  | { readonly kind: 'search-type'; readonly text: string }
  | { readonly kind: 'search-erase' }
  | { readonly kind: 'search-done' }
  | { readonly kind: 'search-clear' }
  | { readonly kind: 'quit' }
  | { readonly kind: 'ask-quit' }
  | { readonly kind: 'quit-cancel' }
  | { readonly kind: 'none' };

/** Rows one PgUp/PgDn moves. */
export const PAGE = 10;

export function keyAction(input: string, key: Key, c: KeyContext): KeyAction {
  const inCall = c.stage !== 'none';
  if (c.confirmingQuit) {
    if (input === 'y' || input === 'Y') return { kind: 'quit' };
    if (input === 'n' || input === 'N' || key.escape) return { kind: 'quit-cancel' };
    return { kind: 'none' };
  }
  if (key.ctrl && input === 'c') return inCall ? { kind: 'ask-quit' } : { kind: 'quit' };
  if (c.stage === 'incoming' && input === 'a') return { kind: 'answer' };
  if (c.stage === 'incoming' && input === 'r') return { kind: 'reject' };
  if (key.upArrow) return { kind: 'move', by: -1 };
  if (key.downArrow) return { kind: 'move', by: 1 };
  if (key.pageUp) return { kind: 'move', by: -PAGE };
  if (key.pageDown) return { kind: 'move', by: PAGE };
  if (c.typing && c.screen === 'main') {
    if (key.escape) return { kind: 'search-clear' };
    if (key.return) return { kind: 'search-done' };
    if (key.backspace || key.delete) return { kind: 'search-erase' };
    if (key.ctrl || key.meta || key.tab) return { kind: 'none' };
    const text = printable(input);
    return text === '' ? { kind: 'none' } : { kind: 'search-type', text };
  }
  if (key.escape) {
    if (c.screen !== 'main') return { kind: 'screen', screen: 'main' };
    if (c.filtered) return { kind: 'search-clear' };
    if (c.stage === 'outgoing' || c.stage === 'live') return { kind: 'hang-up' };
    return { kind: 'none' };
  }
  if (input === 'q') return inCall ? { kind: 'ask-quit' } : { kind: 'quit' };
  if (input === '?') return { kind: 'screen', screen: c.screen === 'help' ? 'main' : 'help' };
  if (input === 'h' && (c.stage === 'outgoing' || c.stage === 'live')) return { kind: 'hang-up' };
  if (input === 'm' && (c.stage === 'outgoing' || c.stage === 'live')) return { kind: 'mute' };
  if (input === '+' || input === '=') return { kind: 'volume', delta: 10 };
  if (input === '-' || input === '_') return { kind: 'volume', delta: -10 };
  if (key.return) return { kind: 'enter' };
  if (input === 'c') return { kind: 'screen', screen: c.screen === 'history' ? 'main' : 'history' };
  if (input === 's') return { kind: 'screen', screen: c.screen === 'settings' ? 'main' : 'settings' };
  if (input === 't') return { kind: 'screen', screen: 'check' };
  if (c.screen !== 'main') return { kind: 'none' };
  if (input === '/') return { kind: 'search-start' };
  if (input === 'l') return { kind: 'lookup' };
  if (input === 'k' && c.alarm) return { kind: 'accept-key' };
  if (input === 'x' && c.alarm) return { kind: 'dismiss-alarm' };
  return { kind: 'none' };
}

/** Typed (or pasted) text without control characters. */
function printable(input: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return input.replace(/[\u0000-\u001f\u007f]/g, '');
}

/** The help screen: every key, grouped as a person looks for them. */
export const HELP: readonly {
  readonly group: string;
  readonly keys: readonly (readonly [string, string])[];
}[] = [
  {
    group: 'Phonebook',
    keys: [
      ['↑ ↓  PgUp PgDn', 'choose a contact'],
      ['Enter', 'call the contact'],
      ['/', 'search: type to filter, Enter keeps it, Esc clears'],
      ['l', "verify the contact's key against the directory"],
      ['k  x', 'accept a changed key (after comparing) · dismiss the alarm'],
    ],
  },
  {
    group: 'Calls',
    keys: [
      ['a  r', 'answer · reject an incoming call'],
      ['h  Esc', 'hang up (or stop calling)'],
      ['m', 'mute: the other side hears silence'],
      ['+  -', 'volume of what you hear'],
    ],
  },
  {
    group: 'Screens',
    keys: [
      ['c', 'call history (marks missed calls as seen)'],
      ['s', 'sound: microphone and speaker'],
      ['t', 'audio check: record 3 s, play it back'],
      ['?', 'this help · Esc back'],
      ['q  Ctrl-C', 'quit (during a call: "Hang up and quit? y/n")'],
    ],
  },
];
