/**
 * What each request the client core has in flight at its relay stands for until the answer with its
 * `requestId` (or an ERROR carrying it) comes back (docs/protocol.md §4): a key lookup and why it was made,
 * the consistency proof a lookup's or a gossiped head still needs, or the next phonebook page. The
 * RequestTable holds them with their deadlines; relay-messages.ts hands each answer or failure to the
 * module that made the request (key-lookups.ts, head-gossip.ts, phonebook-sync.ts).
 */
import type { ControlMessageOf, KeyLookupTarget, SignedTreeHead } from '@leitung/wire';

/** Why a key is being looked up. */
export type LookupPurpose =
  | { readonly kind: 'user'; readonly handle: number }
  | { readonly kind: 'call'; readonly callId: Uint8Array }
  | { readonly kind: 'incoming'; readonly callId: Uint8Array }
  /** A phonebook line shows a pinned name with another key: rotation (notice) or key change (alarm)? */
  | { readonly kind: 'refresh'; readonly name: string }
  /** This client's own ROTATE_KEY: the answer is the new entry, checked like any lookup. */
  | { readonly kind: 'rotation'; readonly handle: number };

/** Whether a head shown by the relay or a peer is ahead of the accepted one or behind it. */
export type HeadDirection = 'newer' | 'older';

export type Pending =
  | { readonly kind: 'lookup'; readonly target: KeyLookupTarget; readonly purpose: LookupPurpose }
  | {
      readonly kind: 'consistency';
      readonly answer: ControlMessageOf<'PUBLIC_KEY'>;
      readonly target: KeyLookupTarget;
      readonly purpose: LookupPurpose;
      readonly direction: HeadDirection;
    }
  | { readonly kind: 'phonebook' }
  /** A head gossiped by the other party of a call, waiting for the relay's consistency proof. */
  | { readonly kind: 'gossip'; readonly head: SignedTreeHead; readonly direction: HeadDirection };

export type PendingOf<K extends Pending['kind']> = Extract<Pending, { kind: K }>;

/** A request as a module hands it to the core, which numbers it (a lookup without one: GET_PUBLIC_KEY). */
export type RequestMessage =
  | Omit<ControlMessageOf<'GET_CONSISTENCY'>, 'requestId'>
  | Omit<ControlMessageOf<'PHONEBOOK_REQUEST'>, 'requestId'>
  | Omit<ControlMessageOf<'ROTATE_KEY'>, 'requestId'>;
