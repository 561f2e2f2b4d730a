/**
 * Asking for a passphrase on the terminal without the terminal UI (the identity commands): the question
 * goes to stderr (stdout carries the events), the typed characters are not echoed, Backspace deletes,
 * Enter ends, Ctrl-C or Ctrl-D cancels (PHONEBOOK_ERR_NO_PASSPHRASE).
 */
import type { ReadStream } from 'node:tty';
import { PhonebookError, PhonebookErrorCode } from '../errors.js';

export type HiddenPrompt = (question: string) => Promise<string>;

/** A prompt on this process's terminal, or undefined when stdin or stderr is not a terminal. */
export function terminalPrompt(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): HiddenPrompt | undefined {
  if (!input.isTTY || !output.isTTY) return undefined;
  return (question) => askHidden(input as ReadStream, output, question);
}

function askHidden(input: ReadStream, output: NodeJS.WriteStream, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.resume();
    output.write(question);
    const done = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') {
          return done(
            new PhonebookError(PhonebookErrorCode.NoPassphrase, 'cancelled at the passphrase prompt'),
          );
        }
        if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters never belong in a passphrase
        else if (!/[\u0000-\u001f]/.test(ch)) text += ch;
      }
    };
    input.on('data', onData);
  });
}
