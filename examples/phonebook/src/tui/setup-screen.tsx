/**
 * First run and unlock, before the phonebook: ask for the vault passphrase (masked) and, on a first run
 * without client_name.txt, the name; then show progress while the vault opens and — on a first run —
 * while the RSA-4096 identity is generated (seconds, so it must visibly move), then while registering.
 */
import { Box, Text, useInput } from 'ink';
import { useEffect, useState } from 'react';
import { describeError } from '../errors.js';
import { shown } from './display-text.js';
import { TextPrompt } from './text-prompt.js';

export type SetupStep =
  | { readonly kind: 'vault' }
  | { readonly kind: 'keygen'; readonly elapsedMs: number }
  | { readonly kind: 'identity-ready'; readonly created: boolean }
  | { readonly kind: 'registering' };

export interface SetupInput {
  readonly passphrase: string;
  readonly name: string | undefined;
}

export interface SetupScreenProps {
  /** Already known (--passphrase-file / LEITUNG_PASSPHRASE): no prompt. */
  readonly passphrase: string | undefined;
  readonly askName: boolean;
  readonly firstRun: boolean;
  /** Runs the setup with what was entered; reports steps; resolves when registered. */
  readonly run: (input: SetupInput, onStep: (step: SetupStep) => void) => Promise<void>;
  /** Codes after which the passphrase is asked again (wrong passphrase). */
  readonly retryCodes?: readonly string[];
  readonly onQuit: () => void;
}

type Phase =
  | { readonly kind: 'passphrase'; readonly error?: string }
  | { readonly kind: 'name'; readonly passphrase: string }
  | { readonly kind: 'working'; readonly step: SetupStep }
  | { readonly kind: 'failed'; readonly message: string };

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function SetupScreen(props: SetupScreenProps) {
  const [phase, setPhase] = useState<Phase>(
    props.passphrase !== undefined
      ? props.askName
        ? { kind: 'name', passphrase: props.passphrase }
        : { kind: 'working', step: { kind: 'vault' } }
      : { kind: 'passphrase' },
  );
  const [tick, setTick] = useState(0);
  const [started, setStarted] = useState(false);

  const begin = (input: SetupInput) => {
    setPhase({ kind: 'working', step: { kind: 'vault' } });
    props
      .run(input, (step) => setPhase({ kind: 'working', step }))
      .catch((error: unknown) => {
        const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
        if (props.passphrase === undefined && (props.retryCodes ?? []).includes(code)) {
          setPhase({ kind: 'passphrase', error: `${describeError(error)} — try again` });
        } else {
          setPhase({ kind: 'failed', message: describeError(error) });
        }
      });
  };

  // With everything known up front, start at once.
  useEffect(() => {
    if (!started && props.passphrase !== undefined && !props.askName) {
      setStarted(true);
      begin({ passphrase: props.passphrase, name: undefined });
    }
  });

  useEffect(() => {
    if (phase.kind !== 'working') return;
    const timer = setInterval(() => setTick((t) => t + 1), 100);
    return () => clearInterval(timer);
  }, [phase.kind]);

  useInput((input, key) => {
    if (phase.kind === 'failed' && (input === 'q' || key.return || key.escape)) props.onQuit();
    if (key.ctrl && input === 'c') props.onQuit();
  });

  return (
    <Box flexDirection="column" borderStyle="round" borderColor="blue" paddingX={1}>
      <Text bold color="blue">
        Leitung phonebook
      </Text>
      {phase.kind === 'passphrase' ? (
        <TextPrompt
          label="Vault passphrase:"
          hint={
            props.firstRun
              ? 'First run: choose a passphrase (at least 12 characters) for the vault that will hold your identity key.'
              : 'Unlock the vault that holds your identity key.'
          }
          mask
          error={phase.error}
          onSubmit={(passphrase) =>
            props.askName ? setPhase({ kind: 'name', passphrase }) : begin({ passphrase, name: undefined })
          }
        />
      ) : null}
      {phase.kind === 'name' ? (
        <TextPrompt
          label="Your name:"
          hint="The name others find you by in the phonebook (first come, first bound to your key)."
          onSubmit={(name) => begin({ passphrase: phase.passphrase, name })}
        />
      ) : null}
      {phase.kind === 'working' ? (
        <Progress step={phase.step} spinner={SPINNER[tick % SPINNER.length]!} />
      ) : null}
      {phase.kind === 'failed' ? (
        <Box flexDirection="column">
          <Text color="red">{shown(phase.message)}</Text>
          <Text dimColor>press q to quit</Text>
        </Box>
      ) : null}
    </Box>
  );
}

function Progress({ step, spinner }: { readonly step: SetupStep; readonly spinner: string }) {
  switch (step.kind) {
    case 'vault':
      return <Text>{spinner} opening the vault …</Text>;
    case 'keygen': {
      // RSA-4096 takes about 1 s here, up to several: a bar that fills over 4 s and then waits.
      const width = 30;
      const filled = Math.min(width - 1, Math.round((step.elapsedMs / 4000) * width));
      return (
        <Box flexDirection="column">
          <Text>
            {spinner} creating your identity: an RSA-4096 key pair ({(step.elapsedMs / 1000).toFixed(1)} s)
          </Text>
          <Text color="cyan">
            [{'█'.repeat(filled)}
            {'░'.repeat(width - filled)}]
          </Text>
        </Box>
      );
    }
    case 'identity-ready':
      return <Text>{step.created ? '✔ identity created' : '✔ vault unlocked'}</Text>;
    case 'registering':
      return <Text>{spinner} registering with the relay (identity challenge, signed directory) …</Text>;
  }
}
