/**
 * Moments and durations the page measures, on the page's wall clock (`performance.timeOrigin +
 * performance.now()`, comparable with the terminal phonebook's `Date.now()` on the same machine): the
 * benchmarks and tests read them as `window.leitungMarks` (bench/web-phonebook).
 */
export interface PhoneMarks {
  /** RSA-4096 key generation on the first run, ms. */
  keygenMs: number | undefined;
  /** `client.start()` → registered: WebSocket connect, handshake, verified WELCOME, ms. */
  registrationMs: number | undefined;
  /** Connect → verified WELCOME of the last registration (as the terminal phonebook's `handshakeMs`), ms. */
  handshakeMs: number | undefined;
  /** When the last call was dialled. */
  dialAt: number | undefined;
  /** When the last call's media lane was bound at the relay (`media:bound`). */
  boundAt: number | undefined;
  /** When the last call's first authenticated frame was decoded. */
  firstFrameAt: number | undefined;
}

export function emptyMarks(): PhoneMarks {
  return {
    keygenMs: undefined,
    registrationMs: undefined,
    handshakeMs: undefined,
    dialAt: undefined,
    boundAt: undefined,
    firstFrameAt: undefined,
  };
}
