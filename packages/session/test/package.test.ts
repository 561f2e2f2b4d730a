import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from '../src/index.js';

describe('@leitung/session', () => {
  it('names itself', () => {
    expect(PACKAGE_NAME).toBe('@leitung/session');
  });
});
