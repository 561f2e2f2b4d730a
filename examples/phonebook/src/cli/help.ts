import { HELP as KEYS } from '../tui/keys.js';

/**
 * The keys section of --help, from the table the terminal UI obeys and its help screen shows (tui/keys.ts), so
 * the two never disagree.
 */
function keysText(): string {
  const lines = ['Keys in the terminal UI (? shows them in the program)'];
  for (const { group, keys } of KEYS) {
    lines.push(`  ${group}`);
    for (const [key, what] of keys) lines.push(`    ${key.padEnd(16)}${what}`);
  }
  return lines.join('\n');
}

/** The text of `leitung-phonebook --help`. */
export const HELP = `leitung-phonebook — end-to-end encrypted calls through Leitung relays

Usage: leitung-phonebook [options]

Identity and relays
  --data DIR              data directory: vault (identity, pinned relays and contacts) and
                          client_name.txt (default: $LEITUNG_PHONEBOOK_DATA or
                          ~/.local/share/leitung-phonebook)
  --relays FILE           relay list: a JSON array of entries {host, port, mediaPort, fingerprint}
                          as written by \`leitung-relay --info-out\`; pinned in the vault on the
                          first run, afterwards its relays must be pinned (default: the pinned
                          relays; ./relays.json is never read unless named)
  --add-relay FILE        pin the new relays of this list in the vault (their fingerprints are
                          printed); a different key for a pinned relay is refused as an alarm
  --name NAME             name to register on first run (else client_name.txt, else asked)
  --passphrase-file FILE  vault passphrase from a file (or set LEITUNG_PASSPHRASE; else asked)
  --import-identity FILE  first run: use this encrypted PKCS#8 PEM (passphrase: the vault's) as the
                          identity instead of generating a new RSA-4096 key
  --strict                refuse to unlock the vault while a debugger is attached
  --rotate-key            replace the identity key by a new RSA-4096 key (key rotation, signed by
                          the old key; contacts re-pin it without an alarm) and exit
  --export-identity FILE  back up the identity: write it to FILE as an encrypted PKCS#8 PEM (under
                          the vault passphrase; mode 0600, written atomically) and exit; the file
                          is what --import-identity takes
  --change-passphrase     re-encrypt the vault under a new passphrase (asked twice, or read from
                          --new-passphrase-file FILE) and exit; the old one no longer opens it

Audio (default: the system's microphone and speaker, silence where there are none)
  --input FILE.wav        send this file (any rate/channels; silence after its end)
  --output FILE.wav       write what the other side says to this file (48 kHz mono)
  --tone                  send a 440 Hz test tone
  --codec opus|pcm16      codec to send (default opus, 24 kbit/s)

Headless mode (for scripts and tests; any of these turns it on)
  --headless              no terminal UI; events as text lines on stdout
  --json                  events as JSON, one object per line, ending with the call statistics
  --call NAME             call NAME as soon as it is reachable
  --auto-answer           answer the first incoming call
  --calls N               with --call or --auto-answer: N calls one after another (default 1)
  --duration SECONDS      hang up after this long in each call
  --timeout SECONDS       give up when a call is not set up within this time (default 60); an
                          unreachable relay is tried again until this time has passed

  -h, --help              this text
  -v, --version           the version

${keysText()}

Exit status: 0 done (a call set up and ended, a command done, or stopped), 1 no call came about
or setup failed, 2 usage error, or a name that is taken, looks like a taken one or breaks the
name policy`;
