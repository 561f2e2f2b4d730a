/** The typed error reply (docs/design.md §3: unknown or malformed messages get a typed error reply). */
import { bool, optional, struct, u32, utf8 } from '../codec/schema.js';
import { FIELD_LIMITS as L } from './field-limits.js';
import { defineMessage } from './message-definition.js';

/** Either side. Reports a failure; `fatal` means the sender closes the connection after it. */
export interface ErrorMessage {
  type: 'ERROR';
  /** The `requestId` of the request that failed, when it had one. u32. */
  requestId?: number;
  /** Stable error code, e.g. `WIRE_ERR_MALFORMED`. ≤ 64 bytes. */
  code: string;
  /** Human-readable detail; never key material. ≤ 256 bytes. */
  message: string;
  /** True when the sender closes the connection after this message. */
  fatal: boolean;
}

export const errorMessage = defineMessage<ErrorMessage>()(
  'ERROR',
  'either',
  struct({
    requestId: optional(u32),
    code: utf8(L.errorCodeMaxBytes),
    message: utf8(L.errorMessageMaxBytes),
    fatal: bool,
  }),
);
