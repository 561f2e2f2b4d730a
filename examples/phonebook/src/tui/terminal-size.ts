/**
 * The terminal's size, following resizes. Ink clears the whole screen *and the terminal's scrollback*
 * (`ESC[2J ESC[3J`) whenever a frame is as tall as the terminal or taller, so every screen of the
 * phonebook is built one row shorter than `rows`: the contact list and the history scroll inside what is
 * left under the header instead of growing the frame.
 */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

export interface TerminalSize {
  /** Rows, or undefined when the output is not a terminal (tests, pipes): no height limit then. */
  readonly rows: number | undefined;
  readonly columns: number;
}

export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const read = (): TerminalSize => ({
    rows: typeof stdout.rows === 'number' && stdout.rows > 0 ? stdout.rows : undefined,
    columns: typeof stdout.columns === 'number' && stdout.columns > 0 ? stdout.columns : 80,
  });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const resized = () => setSize(read());
    stdout.on('resize', resized);
    return () => {
      stdout.off('resize', resized);
    };
  });
  return size;
}

/** The frame height that never makes ink clear the screen: one row less than the terminal. */
export function frameHeight(rows: number | undefined): number | undefined {
  return rows === undefined ? undefined : Math.max(1, rows - 1);
}
