/** Alice calls Bob through a real relay and Bob accepts: both hold media keys and MEDIA_GRANTs. */
import type { RsaPrivateKey } from '@leitung/crypto';
import {
  acceptOffer,
  CallIdReplayGuard,
  clientIdOf,
  completeCall,
  createCallOffer,
  openCallOffer,
} from '@leitung/session';
import type { Relay } from '../../src/index.js';
import type { Fixture } from './fixture.js';
import { crypto } from './keys.js';
import type { TestClient } from './test-client.js';

/** How each party connects (default: a TCP client of the fixture). */
export interface CallLinks {
  readonly a?: () => Promise<TestClient>;
  readonly b?: () => Promise<TestClient>;
}

export async function establishedCall(
  fx: Fixture,
  relay: Relay,
  alice: RsaPrivateKey,
  bob: RsaPrivateKey,
  links: CallLinks = {},
) {
  const a = await (links.a ?? (() => fx.client(relay)))();
  await a.register(alice, 'alice', relay.fingerprint);
  const b = await (links.b ?? (() => fx.client(relay)))();
  await b.register(bob, 'bob', relay.fingerprint);
  const idA = clientIdOf(crypto, alice.publicKey);
  const idB = clientIdOf(crypto, bob.publicKey);
  const offer = createCallOffer({
    crypto,
    caller: { id: idA, privateKey: alice },
    callee: { id: idB, publicKey: bob.publicKey },
    codecs: [1],
    now: Date.now(),
  });
  a.send({ type: 'CALL_REQUEST', callId: offer.callId, callee: idB, sealedCallData: offer.sealedCallData });
  const incoming = await b.next('INCOMING_CALL');
  const opened = openCallOffer({
    crypto,
    sealedCallData: incoming.sealedCallData,
    statedCallId: incoming.callId,
    callee: { id: idB, privateKey: bob },
    statedCallerId: incoming.caller,
    callerPublicKey: alice.publicKey,
    now: Date.now(),
    replayGuard: new CallIdReplayGuard(),
  });
  const accepted = acceptOffer(crypto, opened);
  b.send({
    type: 'CALL_RESPONSE',
    callId: incoming.callId,
    decision: 'accept',
    ephemeral: accepted.ephemeral,
    confirm: accepted.confirm,
    kem: accepted.kem,
  });
  const response = await a.next('CALL_RESPONSE');
  const aliceKeys = completeCall(crypto, offer.pending, {
    ephemeral: response.ephemeral!,
    kem: response.kem,
    confirm: response.confirm!,
  });
  const aliceGrant = await a.next('MEDIA_GRANT');
  const bobGrant = await b.next('MEDIA_GRANT');
  return { a, b, incoming, aliceKeys, bobKeys: accepted.keys, aliceGrant, bobGrant, callId: offer.callId };
}
