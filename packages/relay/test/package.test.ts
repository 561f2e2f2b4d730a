import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from '../src/index.js';

describe('@leitung/relay', () => {
  it('names itself', () => {
    expect(PACKAGE_NAME).toBe('@leitung/relay');
  });
});
