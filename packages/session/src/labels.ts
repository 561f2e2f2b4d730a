/**
 * Domain-separation labels (docs/session-protocol.md). Each key derivation, MAC and signature in the
 * session layer uses its own label so no value can be replayed into another context.
 */
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export const LABEL_HANDSHAKE = utf8('leitung/v1 handshake');
export const LABEL_CHANNEL = utf8('leitung/v1 channel');
export const LABEL_FRAME = utf8('leitung/v1 frame');
export const LABEL_CALL_DATA = utf8('leitung/v1 call-data');
export const LABEL_MEDIA = utf8('leitung/v1 media');
export const LABEL_CONFIRM = utf8('leitung/v1 confirm');
export const LABEL_BIND = utf8('leitung/v1 bind');
export const LABEL_BIND_ACK = utf8('leitung/v1 bind-ack');
export const LABEL_KEEPALIVE = utf8('leitung/v1 keepalive');
export const LABEL_BIND_CONFIRM = utf8('leitung/v1 bind-confirm');
export const LABEL_KEY_ROTATION = utf8('leitung/v1 key-rotation');
