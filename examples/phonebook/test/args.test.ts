import { describe, expect, it } from 'vitest';
import { defaultDataDir, parseCommandLine } from '../src/cli/args.js';
import { HELP } from '../src/cli/help.js';
import { codeOf } from '../src/errors.js';
import { HELP as KEYS } from '../src/tui/keys.js';

function run(...argv: string[]) {
  const parsed = parseCommandLine(argv, {});
  if (parsed.kind !== 'run') throw new Error(`expected run, got ${parsed.kind}`);
  return parsed.options;
}

function usageError(...argv: string[]): string | undefined {
  try {
    parseCommandLine(argv, {});
  } catch (error) {
    return codeOf(error);
  }
  return undefined;
}

describe('command line', () => {
  it('defaults to the terminal UI with Opus and a 60 s timeout', () => {
    const o = run();
    expect(o).toMatchObject({
      mode: 'tui',
      codec: 'opus',
      timeoutS: 60,
      json: false,
      autoAnswer: false,
      tone: false,
    });
    expect(o.call).toBeUndefined();
    expect(o.durationS).toBeUndefined();
  });

  it('turns headless on with --headless, --json, --call or --auto-answer', () => {
    expect(run('--headless').mode).toBe('headless');
    expect(run('--json').mode).toBe('headless');
    expect(run('--call', 'bob').mode).toBe('headless');
    expect(run('--auto-answer').mode).toBe('headless');
  });

  it('reads every option', () => {
    const o = run(
      ...['--data', 'd', '--relays', 'r.json', '--add-relay', 'more.json', '--name', 'alice'],
      ...['--passphrase-file', 'p'],
      ...['--import-identity', 'id.pem', '--json', '--call', 'bob', '--duration', '2.5', '--timeout', '9'],
      ...['--input', 'in.wav', '--output', 'out.wav', '--codec', 'pcm16', '--strict'],
    );
    expect(o).toMatchObject({
      name: 'alice',
      json: true,
      call: 'bob',
      durationS: 2.5,
      timeoutS: 9,
      codec: 'pcm16',
      strict: true,
    });
    // Paths become absolute, so a child process started elsewhere finds the same files.
    const paths = [o.dataDir, o.relaysFile, o.addRelayFile, o.passphraseFile, o.importIdentity];
    for (const p of [...paths, o.input, o.output]) {
      expect(p).toMatch(/^\//);
    }
  });

  it('answers --help and --version', () => {
    expect(parseCommandLine(['--help']).kind).toBe('help');
    expect(parseCommandLine(['-h']).kind).toBe('help');
    expect(parseCommandLine(['--version']).kind).toBe('version');
  });

  it('--help lists every key of the terminal UI, from the table the program obeys', () => {
    for (const { group, keys } of KEYS) {
      expect(HELP).toContain(`  ${group}\n`);
      for (const [key, what] of keys) expect(HELP).toContain(`    ${key.padEnd(16)}${what}`);
    }
    for (const k of ['m', '/', '?', 'c', 's', 't']) expect(HELP).toContain(`\n    ${k} `);
    for (const line of HELP.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('refuses bad input with PHONEBOOK_ERR_USAGE', () => {
    expect(usageError('--nonsense')).toBe('PHONEBOOK_ERR_USAGE');
    expect(usageError('positional')).toBe('PHONEBOOK_ERR_USAGE');
    expect(usageError('--call')).toBe('PHONEBOOK_ERR_USAGE');
    expect(usageError('--call', ' ')).toBe('PHONEBOOK_ERR_USAGE');
    expect(usageError('--call', 'bob', '--auto-answer')).toBe('PHONEBOOK_ERR_USAGE');
    expect(usageError('--tone', '--input', 'x.wav')).toBe('PHONEBOOK_ERR_USAGE');
    expect(usageError('--codec', 'mp3')).toBe('PHONEBOOK_ERR_USAGE');
    for (const bad of ['0', '-1', 'abc', 'Infinity', '1e9'])
      expect(usageError('--duration', bad)).toBe('PHONEBOOK_ERR_USAGE');
    expect(usageError('--timeout', '0')).toBe('PHONEBOOK_ERR_USAGE');
    for (const bad of ['0', '1.5', '1001', 'x'])
      expect(usageError('--call', 'bob', '--calls', bad)).toBe('PHONEBOOK_ERR_USAGE');
    expect(usageError('--headless', '--calls', '2')).toBe('PHONEBOOK_ERR_USAGE');
  });

  it('takes --calls N with --call or --auto-answer, 1 without it', () => {
    expect(run('--call', 'bob').calls).toBe(1);
    expect(run('--call', 'bob', '--calls', '5').calls).toBe(5);
    expect(run('--auto-answer', '--calls', '1000').calls).toBe(1000);
  });

  it('takes the identity commands, which run without the UI and exclude each other and calls', () => {
    const exported = parseCommandLine(['--export-identity', 'backup.pem']);
    expect(exported.kind === 'run' && exported.options).toMatchObject({
      mode: 'headless',
      exportIdentity: expect.stringMatching(/^\/.*backup\.pem$/),
      changePassphrase: false,
    });
    const change = parseCommandLine(['--change-passphrase', '--new-passphrase-file', 'new.txt']);
    expect(change.kind === 'run' && change.options).toMatchObject({
      mode: 'headless',
      changePassphrase: true,
      newPassphraseFile: expect.stringMatching(/^\/.*new\.txt$/),
    });
    expect(usageError('--export-identity', 'x.pem', '--change-passphrase')).toBe('PHONEBOOK_ERR_USAGE');
    expect(usageError('--export-identity', 'x.pem', '--rotate-key')).toBe('PHONEBOOK_ERR_USAGE');
    expect(usageError('--change-passphrase', '--auto-answer')).toBe('PHONEBOOK_ERR_USAGE');
    expect(usageError('--new-passphrase-file', 'new.txt')).toBe('PHONEBOOK_ERR_USAGE');
  });

  it('takes the data directory from LEITUNG_PHONEBOOK_DATA, then XDG_DATA_HOME', () => {
    expect(defaultDataDir({ LEITUNG_PHONEBOOK_DATA: '/x/pb' })).toBe('/x/pb');
    expect(defaultDataDir({ XDG_DATA_HOME: '/xdg' })).toBe('/xdg/leitung-phonebook');
    expect(defaultDataDir({})).toMatch(/\.local\/share\/leitung-phonebook$/);
    const parsed = parseCommandLine([], { LEITUNG_PHONEBOOK_DATA: '/y' });
    expect(parsed.kind === 'run' && parsed.options.dataDir).toBe('/y');
  });
});
