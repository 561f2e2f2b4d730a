/** A one-line text prompt (ink has no input component): typing, Backspace, Enter; masked for secrets. */
import { Box, Text, useInput } from 'ink';
import { useRef, useState } from 'react';
import { shown as displayed } from './display-text.js';

export interface TextPromptProps {
  readonly label: string;
  readonly hint?: string;
  readonly mask?: boolean;
  readonly error?: string | undefined;
  readonly onSubmit: (value: string) => void;
}

export function TextPrompt({ label, hint, mask = false, error, onSubmit }: TextPromptProps) {
  // The ref holds the text as typed so far: keys can arrive faster than React re-renders the handler.
  const text = useRef('');
  const [shown, setShown] = useState('');
  const set = (value: string) => {
    text.current = value;
    setShown(value);
  };
  useInput((input, key) => {
    if (key.return) {
      if (text.current.length > 0) onSubmit(text.current);
      return;
    }
    if (key.backspace || key.delete) {
      set(text.current.slice(0, -1));
      return;
    }
    if (key.ctrl || key.meta || key.escape || key.tab || key.upArrow || key.downArrow) return;
    // Typed-ahead or pasted text arrives as one chunk, possibly with the Enter in it.
    const end = input.search(/[\r\n]/);
    set(text.current + stripControls(end < 0 ? input : input.slice(0, end)));
    if (end >= 0 && text.current.length > 0) onSubmit(text.current);
  });
  return (
    <Box flexDirection="column">
      {hint === undefined ? null : <Text dimColor>{hint}</Text>}
      <Box>
        <Text bold>{label} </Text>
        <Text>{mask ? '•'.repeat(shown.length) : shown}</Text>
        <Text inverse> </Text>
      </Box>
      {error === undefined ? null : <Text color="red">{displayed(error)}</Text>}
    </Box>
  );
}

/** Control characters never belong in a name or a passphrase. */
function stripControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return text.replace(/[\u0000-\u001f\u007f]/g, '');
}
