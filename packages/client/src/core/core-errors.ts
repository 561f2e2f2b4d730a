/** The ClientErrors the core settles commands with, built in one place so codes and wording stay uniform. */
import type { CallEndReason } from '@leitung/wire';
import { ClientError, ClientErrorCode, errorCodeOf } from '../errors.js';

/** Why an outgoing call did not get established, from how it ended. */
export function callFailure(reason: CallEndReason, by: 'local' | 'remote', code?: string): ClientError {
  switch (reason) {
    case 'rejected':
      return new ClientError(ClientErrorCode.CallRejected, 'the callee rejected the call');
    case 'busy':
      return new ClientError(ClientErrorCode.PeerBusy, 'the callee is busy');
    case 'timeout':
      return new ClientError(ClientErrorCode.CallTimeout, 'nobody answered');
    case 'hangup':
    case 'offline':
    case 'error':
    case 'relay-shutdown':
      return new ClientError(
        ClientErrorCode.CallEnded,
        `call ended (${reason}, ${by}${code === undefined ? '' : `, ${code}`})`,
      );
  }
}

export function keyChanged(name: string): ClientError {
  return new ClientError(
    ClientErrorCode.ContactKeyChanged,
    `the key of ${JSON.stringify(name)} changed: compare safety numbers, then acceptContactKey()`,
  );
}

export function invalid(message: string): ClientError {
  return new ClientError(ClientErrorCode.InvalidArgument, message);
}

export function notConnected(): ClientError {
  return new ClientError(ClientErrorCode.NotConnected, 'not registered with a relay');
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The most specific code of an error: the relay's own (RELAY_ERR_NOT_FOUND …) over CLIENT_ERR_RELAY_ERROR. */
export function specificCode(error: Error): string | undefined {
  return error instanceof ClientError && error.relayCode !== undefined ? error.relayCode : errorCodeOf(error);
}
