/**
 * The whole terminal UI: the setup screen until the client is registered, then the phonebook screen.
 * `boot` does the work (open the vault, create the identity, register) so that tests can drive the UI
 * with a real session or a stand-in.
 */
import { useState } from 'react';
import type { PhonebookSession } from '../app/phonebook-session.js';
import { MainScreen } from './main-screen.js';
import { type SetupInput, SetupScreen, type SetupStep } from './setup-screen.js';

export interface PhonebookAppProps {
  readonly passphrase: string | undefined;
  readonly askName: boolean;
  readonly firstRun: boolean;
  readonly boot: (input: SetupInput, onStep: (step: SetupStep) => void) => Promise<PhonebookSession>;
  /** Quit; `status` 1 when setup failed for good (the process's exit status). */
  readonly onQuit: (status?: number) => void;
}

/** After these the passphrase is asked again instead of giving up. */
const RETRY_CODES = ['CLIENT_ERR_VAULT_WRONG_PASSPHRASE', 'CLIENT_ERR_WEAK_PASSPHRASE'];

export function PhonebookApp(props: PhonebookAppProps) {
  const [session, setSession] = useState<PhonebookSession | undefined>(undefined);
  if (session !== undefined) return <MainScreen session={session} onQuit={() => props.onQuit()} />;
  return (
    <SetupScreen
      passphrase={props.passphrase}
      askName={props.askName}
      firstRun={props.firstRun}
      retryCodes={RETRY_CODES}
      onQuit={props.onQuit}
      run={async (input, onStep) => setSession(await props.boot(input, onStep))}
    />
  );
}
