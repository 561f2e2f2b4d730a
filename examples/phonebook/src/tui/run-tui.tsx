import type { PhonebookOptions } from '../cli/args.js';

export async function runTui(
  _options: PhonebookOptions,
  _io: { env: NodeJS.ProcessEnv; stopRequested: Promise<void> },
): Promise<number> {
  return 1;
}
