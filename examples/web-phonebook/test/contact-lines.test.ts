import type { ContactInfo } from '@leitung/client/browser';
import { describe, expect, it } from 'vitest';
import { onePerName } from '../src/page/contact-lines.js';

const line = (name: string, clientId: string, verification: ContactInfo['verification']): ContactInfo => ({
  name,
  clientId,
  online: false,
  verification,
});

describe('onePerName', () => {
  it('keeps one line per name, the latest, in order of first appearance', () => {
    const lines = [
      line('bob', 'a1', 'verified'),
      line('carol', 'c1', 'unverified'),
      line('bob', 'b2', 'unverified'),
    ];
    expect(onePerName(lines).map((c) => [c.name, c.clientId])).toEqual([
      ['bob', 'b2'],
      ['carol', 'c1'],
    ]);
  });

  it('shows the line whose key changed, whichever comes first', () => {
    for (const lines of [
      [line('bob', 'a1', 'verified'), line('bob', 'b2', 'key-changed')],
      [line('bob', 'b2', 'key-changed'), line('bob', 'a1', 'verified')],
    ]) {
      expect(onePerName(lines)).toEqual([line('bob', 'b2', 'key-changed')]);
    }
  });
});
