/**
 * The minimum strength of a new passphrase (docs/client.md "SecureVault"): the vault's only secret is the
 * passphrase, and a stolen vault file can be guessed against offline, so a passphrase that a guesser finds
 * in seconds is refused when a vault is created, its passphrase changed or the identity exported
 * (CLIENT_ERR_WEAK_PASSPHRASE). Opening an existing vault accepts what it was created with.
 *
 * The rule is deliberately simple and stated to the user: at least 12 characters (Unicode code points after
 * NFC) and at least 5 different characters (so "aaaaaaaaaaaa" or "abababababab" do not pass).
 */
import { ClientError, ClientErrorCode } from '../errors.js';

/** Fewest characters (Unicode code points after NFC) a new vault passphrase may have. */
export const MIN_PASSPHRASE_CHARACTERS = 12;
/** Fewest different characters a new vault passphrase may have (so "abababababab" does not pass). */
export const MIN_PASSPHRASE_DISTINCT = 5;

/** Why `passphrase` is too weak for a new vault, or undefined when it is acceptable. */
export function passphraseProblem(passphrase: string): string | undefined {
  const chars = [...passphrase.normalize('NFC')];
  if (chars.length < MIN_PASSPHRASE_CHARACTERS) {
    return `the passphrase needs at least ${MIN_PASSPHRASE_CHARACTERS} characters (it has ${chars.length})`;
  }
  if (new Set(chars).size < MIN_PASSPHRASE_DISTINCT) {
    return `the passphrase needs at least ${MIN_PASSPHRASE_DISTINCT} different characters`;
  }
  return undefined;
}

/** CLIENT_ERR_WEAK_PASSPHRASE with the reason, for a passphrase that protects something new. */
export function checkNewPassphrase(passphrase: string): void {
  const problem = passphraseProblem(passphrase);
  if (problem !== undefined) throw new ClientError(ClientErrorCode.WeakPassphrase, problem);
}
