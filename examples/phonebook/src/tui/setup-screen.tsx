/**
 * First run and unlock, before the phonebook: ask for the vault passphrase (masked; on a first run twice,
 * and the two must match) and, on a first run without client_name.txt, the name; then show progress while
 * the vault opens and — on a first run — while the RSA-4096 identity is generated (seconds, so it must
 * visibly move), then while registering, with each failed attempt in words (an unreachable relay is tried
 * again until --timeout).
 *
 * When registration fails, what the user sees depends on why (app/registration.ts): a taken or invalid
 * name asks for another name and registers with it; a relay showing another key than the pinned one is
 * the security alarm (relay-alarm.tsx), with no way on but quitting; anything else says what happened and
 * what to do, and quits on q.
 */
import { passphraseProblem } from '@leitung/client';
import { Box, Text, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { checkedName, type FailedAttempt, isNameProblem, RegistrationError } from '../app/registration.js';
import { codeOf, describeError } from '../errors.js';
import { shown } from './display-text.js';
import { RelayAlarm } from './relay-alarm.js';
import { TextPrompt } from './text-prompt.js';

export type SetupStep =
  | { readonly kind: 'vault' }
  | { readonly kind: 'keygen'; readonly elapsedMs: number }
  | { readonly kind: 'identity-ready'; readonly created: boolean }
  | { readonly kind: 'registering' }
  /** A registration attempt failed and another follows (shown under the registering line). */
  | { readonly kind: 'retrying'; readonly attempt: FailedAttempt };

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
  /** Quit; `status` 1 after a failure the setup could not get past. */
  readonly onQuit: (status?: number) => void;
}

type Phase =
  | { readonly kind: 'passphrase'; readonly error?: string | undefined }
  | { readonly kind: 'repeat'; readonly first: string }
  | { readonly kind: 'name'; readonly passphrase: string; readonly error?: string | undefined }
  | {
      readonly kind: 'working';
      readonly step: SetupStep;
      readonly attempt?: FailedAttempt | undefined;
    }
  | { readonly kind: 'alarm'; readonly message: string }
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
      .run(input, (step) =>
        setPhase(
          step.kind === 'retrying'
            ? { kind: 'working', step: { kind: 'registering' }, attempt: step.attempt }
            : { kind: 'working', step },
        ),
      )
      .catch((error: unknown) => {
        const code = codeOf(error) ?? '';
        if (isNameProblem(error)) {
          // Another name helps: ask for it, and register with it (the new name is stored on success).
          setPhase({ kind: 'name', passphrase: input.passphrase, error: describeError(error) });
        } else if (error instanceof RegistrationError && error.problem === 'relay-key-mismatch') {
          setPhase({ kind: 'alarm', message: describeError(error) });
        } else if (props.passphrase === undefined && (props.retryCodes ?? []).includes(code)) {
          setPhase({ kind: 'passphrase', error: `${describeError(error)} — try again` });
        } else {
          setPhase({ kind: 'failed', message: describeError(error) });
        }
      });
  };

  /** The passphrase as typed: a new vault's must be strong enough and typed twice alike. */
  const passphraseEntered = (passphrase: string) => {
    if (!props.firstRun) return afterPassphrase(passphrase);
    const problem = passphraseProblem(passphrase);
    if (problem !== undefined) setPhase({ kind: 'passphrase', error: `${problem} — try again` });
    else setPhase({ kind: 'repeat', first: passphrase });
  };
  const afterPassphrase = (passphrase: string) =>
    props.askName ? setPhase({ kind: 'name', passphrase }) : begin({ passphrase, name: undefined });
  const nameEntered = (passphrase: string, raw: string) => {
    let name: string;
    try {
      name = checkedName(raw);
    } catch (error) {
      setPhase({ kind: 'name', passphrase, error: describeError(error) });
      return;
    }
    begin({ passphrase, name });
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

  // The handler ink holds may be a render behind (it re-subscribes in an effect): read the phase from a ref.
  const current = useRef(phase);
  current.current = phase;
  useInput((input, key) => {
    const stuck = current.current.kind === 'failed' || current.current.kind === 'alarm';
    if (stuck && (input === 'q' || key.return || key.escape)) props.onQuit(1);
    if (key.ctrl && input === 'c') props.onQuit(stuck ? 1 : undefined);
  });

  if (phase.kind === 'alarm') return <RelayAlarm message={phase.message} />;

  return (
    <Box flexDirection="column" borderStyle="round" borderColor="blue" paddingX={1}>
      <Text bold color="blue">
        Leitung phonebook
      </Text>
      {phase.kind === 'passphrase' ? (
        <TextPrompt
          key={phase.error ?? ''}
          label="Vault passphrase:"
          hint={
            props.firstRun
              ? 'First run: choose a passphrase (at least 12 characters) for the vault that will hold your identity key.'
              : 'Unlock the vault that holds your identity key.'
          }
          mask
          error={phase.error}
          onSubmit={passphraseEntered}
        />
      ) : null}
      {phase.kind === 'repeat' ? (
        <TextPrompt
          label="Repeat the passphrase:"
          hint="Type the same passphrase again: a mistyped one would lock you out of your identity."
          mask
          onSubmit={(again) =>
            again === phase.first
              ? afterPassphrase(again)
              : setPhase({ kind: 'passphrase', error: 'the two passphrases differ — try again' })
          }
        />
      ) : null}
      {phase.kind === 'name' ? (
        <TextPrompt
          key={phase.error ?? ''}
          label={phase.error === undefined ? 'Your name:' : 'Another name:'}
          hint="The name others find you by in the phonebook (first come, first bound to your key)."
          error={phase.error}
          onSubmit={(name) => nameEntered(phase.passphrase, name)}
        />
      ) : null}
      {phase.kind === 'working' ? (
        <Box flexDirection="column">
          <Progress step={phase.step} spinner={SPINNER[tick % SPINNER.length]!} />
          {phase.attempt === undefined ? null : (
            <Text color="yellow">
              {shown(phase.attempt.text)} ({phase.attempt.code})
            </Text>
          )}
        </Box>
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
    case 'retrying':
      return <Text>{spinner} registering with the relay (identity challenge, signed directory) …</Text>;
  }
}
