import { expect } from 'vitest';
import { MessageError, WireError, type WireErrorCode } from '../../src/index.js';

/** Runs `fn`, expects a WireError with `code` (and, for message errors, `field`), and returns it. */
export function expectWireError(fn: () => unknown, code: WireErrorCode, field?: string): WireError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WireError);
  const error = caught as WireError;
  expect(error.code).toBe(code);
  if (field !== undefined) {
    expect(error).toBeInstanceOf(MessageError);
    expect((error as MessageError).field).toBe(field);
  }
  return error;
}
