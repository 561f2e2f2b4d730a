import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import { rehearseCall } from './call-rehearsal.js';
import { runSoon } from './event-loop.js';

/**
 * The crypto objects whose call-key code already ran in this process. V8's first-use cost is paid per
 * code path, so one warm-up per crypto object (its backend's functions) is enough.
 */
const warmed = new WeakSet<LeitungCrypto>();

/**
 * Runs one throw-away round of the call keys — ML-KEM-768 key generation, encapsulation, decapsulation, and
 * an X25519 key pair with one agreement — so the first call of a freshly started process does not pay
 * their first-use cost on its critical path: ML-KEM is pure JavaScript (measured ≈ 50 ms once, ≈ 2 ms per
 * round after that: docs/benchmarks.md "call setup"), and where X25519 is `@noble/curves`' (a page), its
 * first key pair computes the base point's table (~16 ms in Chromium). Nothing of it is used: the keys are
 * destroyed at once and every call still generates its own (docs/session-protocol.md §3 "Hybrid call
 * keys").
 */
export function warmUpCallKeys(crypto: LeitungCrypto): void {
  warmUpMlKem(crypto);
  warmUpX25519(crypto);
  warmed.add(crypto);
}

function warmUpMlKem(crypto: LeitungCrypto): void {
  const pair = crypto.generateMlKemKeyPair();
  try {
    const { cipherText } = crypto.mlKemEncapsulate(pair.publicKey);
    crypto.mlKemDecapsulate(pair.privateKey, cipherText).fill(0);
  } finally {
    pair.privateKey.destroy();
  }
}

function warmUpX25519(crypto: LeitungCrypto): void {
  const own = crypto.generateX25519KeyPair();
  const other = crypto.generateX25519KeyPair();
  try {
    crypto.x25519(own.privateKey, other.publicKey).fill(0);
  } finally {
    own.privateKey.destroy();
    other.privateKey.destroy();
  }
}

/**
 * {@link warmUpCallKeys} in four steps, each after the I/O that is pending (`setImmediate`), so that it
 * fits into the time a process waits anyway — `setupClient` runs it while the vault's scrypt works on
 * libuv's thread pool (docs/client.md "Warm-up") — and delays an event that arrives meanwhile by one step
 * at most. Skipped when this crypto object is warm already; stops, erasing what it made, once `stop()`
 * says so.
 */
export async function warmUpCallKeysInSteps(crypto: LeitungCrypto, stop: () => boolean): Promise<void> {
  const step = () => new Promise<boolean>((resolve) => runSoon(() => resolve(!stop())));
  if (warmed.has(crypto) || !(await step())) return;
  const pair = crypto.generateMlKemKeyPair();
  try {
    if (!(await step())) return;
    const { cipherText } = crypto.mlKemEncapsulate(pair.publicKey);
    if (!(await step())) return;
    crypto.mlKemDecapsulate(pair.privateKey, cipherText).fill(0);
  } finally {
    pair.privateKey.destroy();
  }
  if (!(await step())) return;
  warmUpX25519(crypto);
  warmed.add(crypto);
}

/**
 * Runs the call-code warm-up once per client, after its first registration, unless `skip()` says not to:
 * the client closed, or a call began, which pays the first use itself — a throw-away round then would
 * only add to that call's setup. With the private key in this process, a whole call to itself
 * ({@link rehearseCall}); with a key held elsewhere (a browser's WebCrypto key, whose every operation is
 * a real request to its holder), only the call keys' round, unless the process did it already
 * (`setupClient`).
 */
export class CallKeyWarmUp {
  #scheduled = false;

  schedule(crypto: LeitungCrypto, identity: RsaPrivateKey | undefined, skip: () => boolean): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    void (identity === undefined
      ? warmUpCallKeysInSteps(crypto, skip)
      : rehearseCall(crypto, identity, skip));
  }
}
