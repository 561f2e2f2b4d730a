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
  /** When the last call was dialled: the click event's time (its `timeStamp`), not when its handler ran. */
  dialAt: number | undefined;
  /** When the last call's signed, sealed offer went out (`call:outgoing`; calls this page dialled). */
  offerSentAt: number | undefined;
  /** When the last call was answered and its keys confirmed (`call:accepted`). */
  acceptedAt: number | undefined;
  /** When the last call's media lane was bound at the relay (`media:bound`). */
  boundAt: number | undefined;
  /** When the last call's first authenticated frame was decoded. */
  firstFrameAt: number | undefined;
  /**
   * The same two moments per call, by call id, for the calls of a run that follow each other faster
   * than a reader polls (bench/web-phonebook's warm calls); the newest {@link MAX_CALL_MARKS} calls.
   */
  calls: CallMarks[];
}

export interface CallMarks {
  readonly callId: string;
  boundAt: number | undefined;
  firstFrameAt: number | undefined;
}

/** Calls whose marks are kept: a page that stays open for days must not grow without bound. */
export const MAX_CALL_MARKS = 64;

/** The marks of call `callId`, created (and the oldest dropped beyond the bound) on first use. */
export function callMarks(marks: PhoneMarks, callId: string): CallMarks {
  let entry = marks.calls.find((c) => c.callId === callId);
  if (entry === undefined) {
    entry = { callId, boundAt: undefined, firstFrameAt: undefined };
    marks.calls.push(entry);
    if (marks.calls.length > MAX_CALL_MARKS) marks.calls.shift();
  }
  return entry;
}

export function emptyMarks(): PhoneMarks {
  return {
    keygenMs: undefined,
    registrationMs: undefined,
    handshakeMs: undefined,
    dialAt: undefined,
    offerSentAt: undefined,
    acceptedAt: undefined,
    boundAt: undefined,
    firstFrameAt: undefined,
    calls: [],
  };
}
