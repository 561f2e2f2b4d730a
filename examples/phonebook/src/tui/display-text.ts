/**
 * The one place where the terminal UI turns text into something safe to print (docs/client.md
 * "Displaying relay text"): names, notices, codes and reasons may come from a relay and could hold
 * terminal escape sequences (window title, fake colours, bell) or bidi overrides. Every string a screen
 * shows that did not come from this program's own literals goes through `shown`.
 */
import { displaySafe } from '@leitung/client';

export function shown(text: string): string;
export function shown(text: string | undefined): string | undefined;
export function shown(text: string | undefined): string | undefined {
  return text === undefined ? undefined : displaySafe(text);
}
