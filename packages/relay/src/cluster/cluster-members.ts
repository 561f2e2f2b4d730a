/**
 * The relays a cluster member trusts to append to the shared log (docs/operations.md "Relay cluster",
 * "Trust model"): a list of relay key fingerprints configured on every relay (`--cluster-members FILE`),
 * never taken from Redis. A member's public key is read from Redis (each relay publishes its SPKI when it
 * joins) and accepted only when its SHA3-256 fingerprint is on the configured list, so a Redis writer
 * cannot add a signer.
 */
import type { LeitungCrypto, RsaPublicKey } from '@leitung/crypto';
import { RelayError, RelayErrorCode } from '../errors.js';

const FINGERPRINT = /^[0-9a-f]{64}$/;

/**
 * Parses a members file: one relay key fingerprint (64 hex digits, as in the relay-list entry) per line;
 * blank lines and `#` comments are ignored. Anything else, or no member at all: RELAY_ERR_INVALID_OPTION.
 */
export function parseClusterMembers(text: string): string[] {
  const members: string[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim().toLowerCase();
    if (line === '') continue;
    if (!FINGERPRINT.test(line)) {
      throw new RelayError(
        RelayErrorCode.InvalidOption,
        `cluster members line ${i + 1}: not a relay key fingerprint (64 hex digits)`,
      );
    }
    if (!members.includes(line)) members.push(line);
  }
  if (members.length === 0) throw new RelayError(RelayErrorCode.InvalidOption, 'no cluster member is listed');
  return members;
}

/** Checks a configured member list: fingerprints only, and this relay among them. */
export function checkClusterMembers(members: readonly string[], self: string): readonly string[] {
  const normalised = members.map((m) => m.toLowerCase());
  if (normalised.length === 0 || !normalised.every((m) => FINGERPRINT.test(m))) {
    throw new RelayError(RelayErrorCode.InvalidOption, 'cluster members must be relay key fingerprints');
  }
  if (!normalised.includes(self)) {
    throw new RelayError(RelayErrorCode.InvalidOption, 'this relay is not in its own cluster member list');
  }
  return Object.freeze([...new Set(normalised)]);
}

/** The configured members and the public keys verified so far. */
export class ClusterMembers {
  readonly #crypto: LeitungCrypto;
  readonly #members: ReadonlySet<string>;
  readonly #keys = new Map<string, RsaPublicKey>();
  readonly #fetch: (fingerprint: string) => Promise<string | null>;

  /** `fetch` reads a relay's published SPKI (base64) from Redis; it is checked, never trusted. */
  constructor(
    crypto: LeitungCrypto,
    members: readonly string[],
    fetch: (fingerprint: string) => Promise<string | null>,
  ) {
    this.#crypto = crypto;
    this.#members = new Set(members);
    this.#fetch = fetch;
  }

  isMember(fingerprint: string): boolean {
    return this.#members.has(fingerprint);
  }

  /** A key this relay holds itself (its own). */
  remember(key: RsaPublicKey): void {
    this.#keys.set(key.fingerprint(), key);
  }

  /** The member's public key, or undefined when it is not a member or its published key does not match. */
  async keyOf(fingerprint: string): Promise<RsaPublicKey | undefined> {
    if (!this.#members.has(fingerprint)) return undefined;
    const known = this.#keys.get(fingerprint);
    if (known !== undefined) return known;
    const published = await this.#fetch(fingerprint);
    if (published === null) return undefined;
    let key: RsaPublicKey;
    try {
      key = this.#crypto.importRsaPublicKey(Uint8Array.from(Buffer.from(published, 'base64')));
    } catch {
      return undefined;
    }
    if (key.fingerprint() !== fingerprint) return undefined;
    this.#keys.set(fingerprint, key);
    return key;
  }
}
