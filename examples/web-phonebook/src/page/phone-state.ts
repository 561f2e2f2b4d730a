/**
 * What the page shows, as one discriminated union (the view renders it with an exhaustive switch):
 * the first run (passphrase and name), unlocking on later visits, key generation with its progress,
 * registration, and the phonebook with the current call, its quality and the alarms.
 */
import type { CallSnapshot, ContactInfo } from '@leitung/client/browser';
import type { LiveQuality } from '../audio/call-audio.js';

export interface KeyAlarm {
  readonly name: string;
  readonly pinnedClientId: string;
  readonly newClientId: string;
}

export type PhoneScreen =
  | { readonly kind: 'loading' }
  | { readonly kind: 'first-run'; readonly problem: string | undefined }
  | { readonly kind: 'unlock'; readonly problem: string | undefined }
  | { readonly kind: 'creating-key'; readonly elapsedMs: number }
  | { readonly kind: 'registering'; readonly name: string }
  | {
      readonly kind: 'phonebook';
      readonly self: { readonly name: string; readonly clientId: string };
      readonly relay: string;
      readonly connected: boolean;
      readonly contacts: readonly ContactInfo[];
      readonly call: CallSnapshot | undefined;
      readonly quality: LiveQuality | undefined;
      readonly alarms: readonly KeyAlarm[];
      readonly notice: string | undefined;
    }
  | { readonly kind: 'failed'; readonly message: string };
