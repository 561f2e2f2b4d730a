/** Which phonebook lines the page shows. */
import type { ContactInfo } from '@leitung/client/browser';

/**
 * One line per name: after a failover the Client may still list the previous relay's line for a name
 * beside the new relay's. A line whose key changed wins (the alarm must show, and the name cannot be
 * called, docs/client.md "Contacts, pins, safety numbers"); otherwise the latest line. Order: first
 * appearance of each name.
 */
export function onePerName(contacts: readonly ContactInfo[]): ContactInfo[] {
  const byName = new Map<string, ContactInfo>();
  for (const contact of contacts) {
    if (byName.get(contact.name)?.verification === 'key-changed') continue;
    byName.set(contact.name, contact);
  }
  return [...byName.values()];
}
