/**
 * The terminal's "pointer on the call button": when the cursor has rested on a contact for a moment while
 * no call is up, a call to it may come, so its offer is drafted, signed and sealed now (`prepareCall`,
 * docs/client.md "Offers prepared before the dial"). Enter then waits only for the key lookup. Scrolling
 * past contacts signs nothing: only where the cursor stays.
 */
import { useEffect } from 'react';
import type { PhonebookSession } from '../app/phonebook-session.js';

type Preparing = Pick<PhonebookSession, 'prepareCall'>;

/** How long the cursor rests on a contact before its call is prepared (ms). */
export const PREPARE_AFTER_MS = 300;

/** Prepares the call to `name` once it has been the cursor's contact for {@link PREPARE_AFTER_MS}. */
export function usePreparedCall(session: Preparing, name: string | undefined): void {
  useEffect(() => {
    if (name === undefined) return;
    const timer = setTimeout(() => session.prepareCall(name), PREPARE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [session, name]);
}
