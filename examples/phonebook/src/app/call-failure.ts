/**
 * Why a call did not come about, in plain words, with the most specific code (the relay's own code over
 * CLIENT_ERR_RELAY_ERROR). The words never repeat the code: the caller prints it once, after them.
 */
import { type CallSnapshot, errorCodeOf } from '@leitung/client';
import { plainMessage } from '../errors.js';

export interface CallFailure {
  readonly code: string;
  readonly text: string;
}

export function callFailure(peer: string, error: unknown, snapshot: CallSnapshot | undefined): CallFailure {
  const relayCode = (error as { relayCode?: unknown } | undefined)?.relayCode;
  const code = typeof relayCode === 'string' ? relayCode : (errorCodeOf(error) ?? 'UNKNOWN');
  const ended = snapshot?.phase === 'ended' ? snapshot : undefined;
  return { code, text: callFailureText(peer, code, ended?.reason, error) };
}

function callFailureText(peer: string, code: string, reason: string | undefined, error: unknown): string {
  const who = `"${peer}"`;
  switch (code) {
    case 'RELAY_ERR_NOT_FOUND':
      return `No one is registered as ${who} on this relay (the directory says so). Check the name.`;
    case 'CLIENT_ERR_CALL_REJECTED':
      return `${who} rejected the call.`;
    case 'CLIENT_ERR_PEER_BUSY':
      return `${who} is in another call. Try again later.`;
    case 'CLIENT_ERR_CALL_TIMEOUT':
      return `${who} did not answer.`;
    case 'CLIENT_ERR_CONTACT_KEY_CHANGED':
      return `The key of ${who} has changed: calls to ${who} are blocked until you verify (l) and accept (k) the new key.`;
    case 'CLIENT_ERR_ABORTED':
      return `The call to ${who} was cancelled.`;
    case 'CLIENT_ERR_NOT_CONNECTED':
      return `Not connected to a relay: the call to ${who} could not be placed. Wait until the phonebook is connected.`;
    case 'CLIENT_ERR_BUSY':
      return 'Already in a call: hang up first.';
  }
  if (reason === 'offline') return `${who} is offline (not connected to the relay now). Try again later.`;
  return `The call to ${who} failed: ${plainMessage(error).replace(/\.$/, '')}.`;
}
