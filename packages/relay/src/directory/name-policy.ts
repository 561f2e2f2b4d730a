/**
 * The relay's view of the name policy (docs/key-transparency.md, "Names"): the rules live in @leitung/session so
 * the client applies the same ones to every name a relay sends; here a broken rule becomes a RelayError.
 */
import { NAME_MAX_BYTES, NAME_MAX_CHARACTERS, nameKey, nameProblem, nameSkeletons } from '@leitung/session';
import { RelayError, RelayErrorCode } from '../errors.js';

export { NAME_MAX_BYTES, NAME_MAX_CHARACTERS, nameKey, nameSkeletons };

/** A checked name: `name` is the bound form, `key` decides uniqueness. */
export interface CheckedName {
  readonly name: string;
  readonly key: string;
}

/** Checks `name` against the policy; throws RelayError RELAY_ERR_NAME_INVALID naming the rule. */
export function checkName(name: string): CheckedName {
  const problem = nameProblem(name);
  if (problem !== undefined) throw new RelayError(RelayErrorCode.NameInvalid, problem);
  return { name, key: nameKey(name) };
}
