/**
 * leitung-phonebook, loaded by main.ts once SIGUSR1 is inert: the seed's PHONEBOOK client (§1.1, §2.1).
 * With a terminal, the interactive UI (tui/); with --headless, --json, --call or --auto-answer, the
 * scripted mode (headless/).
 */
import { createRequire } from 'node:module';
import { parseCommandLine } from './cli/args.js';
import { HELP } from './cli/help.js';
import { terminalPrompt } from './cli/terminal-prompt.js';
import { describeError, exitStatusOf } from './errors.js';
import { runHeadless } from './headless/run-headless.js';

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`leitung-phonebook: ${describeError(error)}\n(see --help)\n`);
    return 2;
  }
  switch (parsed.kind) {
    case 'help':
      process.stdout.write(`${HELP}\n`);
      return 0;
    case 'version':
      process.stdout.write(`${version()}\n`);
      return 0;
    case 'run':
      break;
  }
  const { options } = parsed;
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  if (options.mode === 'headless') {
    return runHeadless(options, {
      stdout: process.stdout,
      env: process.env,
      stopRequested,
      prompt: terminalPrompt(),
    });
  }
  try {
    const { runTui } = await import('./tui/run-tui.js');
    return await runTui(options, { env: process.env, stopRequested });
  } catch (error) {
    // Before or after the screens (no terminal: a usage error, status 2; the data directory is locked: 1).
    process.stderr.write(`leitung-phonebook: ${describeError(error)}\n`);
    return exitStatusOf(error);
  }
}

function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Everything was closed; if a stray handle still holds the loop, do not hang a script on it.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`leitung-phonebook: ${describeError(error)}\n`);
    process.exit(exitStatusOf(error));
  },
);
