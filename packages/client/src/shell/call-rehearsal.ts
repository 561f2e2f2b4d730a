import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import {
  acceptOffer,
  CallIdReplayGuard,
  clientIdOf,
  completeCall,
  createCallOffer,
  type MediaKeys,
  MediaReceiver,
  MediaSender,
  openCallOffer,
} from '@leitung/session';
import { runSoon } from './event-loop.js';

/** The crypto objects whose call code already ran in this process (V8 pays first use per code path). */
const rehearsed = new WeakSet<LeitungCrypto>();

/** A codec id list for the rehearsal's offer; the codecs are never used. */
const REHEARSAL_CODECS = [0];
/** A media session id for the rehearsal's one frame; no relay ever sees it. */
const REHEARSAL_SESSION = 1;

/**
 * Plays one call to itself in memory, once per process and crypto object, while the client is idle after
 * its first registration (docs/client.md "Warm-up"): the offer signed and sealed with the own key, opened
 * with it, answered and confirmed, one media frame sealed and opened. A freshly started process otherwise
 * pays the first use of all that code — JavaScript's compilation tiers, OpenSSL's first private-key
 * operations — inside its first call, on both sides (docs/benchmarks.md "Web phonebook"). Nothing of it
 * leaves the process or is kept: every secret is erased as in a real call, and the replay guard is a
 * throw-away one, so the client's own is untouched.
 *
 * It runs in steps, each after the I/O that is pending (`setImmediate`), and stops — erasing what it made
 * — as soon as `stop()` says so (a call began, the client closed): a real call then pays the rest itself.
 * Resolves true when all of it ran; false when it was stopped or failed, and it never rejects: a key
 * destroyed meanwhile (a rotation, a closed vault) leaves a warm-up nothing to report — the first real call
 * pays the first use instead and reports its own errors.
 */
export async function rehearseCall(
  crypto: LeitungCrypto,
  identity: RsaPrivateKey,
  stop: () => boolean,
): Promise<boolean> {
  try {
    return await playCall(crypto, identity, stop);
  } catch {
    return false;
  }
}

/** {@link rehearseCall}'s steps; every secret made is erased on every way out, thrown or not. */
async function playCall(
  crypto: LeitungCrypto,
  identity: RsaPrivateKey,
  stop: () => boolean,
): Promise<boolean> {
  const step = () => new Promise<boolean>((resolve) => runSoon(() => resolve(!stop())));
  if (rehearsed.has(crypto) || !(await step())) return false;
  const id = clientIdOf(crypto, identity.publicKey);
  const offer = createCallOffer({
    crypto,
    caller: { id, privateKey: identity },
    callee: { id, publicKey: identity.publicKey },
    codecs: REHEARSAL_CODECS,
    now: Date.now(),
  });
  const keys: MediaKeys[] = [];
  try {
    if (!(await step())) return false;
    const opened = openCallOffer({
      crypto,
      sealedCallData: offer.sealedCallData,
      statedCallId: offer.callId,
      callee: { id, privateKey: identity },
      statedCallerId: id,
      callerPublicKey: identity.publicKey,
      now: Date.now(),
      replayGuard: new CallIdReplayGuard(),
    });
    if (!(await step())) {
      opened.destroy();
      return false;
    }
    const answer = acceptOffer(crypto, opened);
    keys.push(answer.keys);
    if (!(await step())) return false;
    const callerKeys = completeCall(crypto, offer.pending, answer);
    keys.push(callerKeys);
    if (!(await step())) return false;
    const sender = new MediaSender(crypto, callerKeys, REHEARSAL_SESSION);
    const receiver = new MediaReceiver(crypto, answer.keys, REHEARSAL_SESSION);
    try {
      receiver.open(sender.seal({ sequence: 1, timestamp: 960, payload: new Uint8Array(61) }));
    } finally {
      sender.destroy();
      receiver.destroy();
    }
    rehearsed.add(crypto);
    return true;
  } finally {
    offer.pending.destroy();
    for (const k of keys) k.destroy();
  }
}
