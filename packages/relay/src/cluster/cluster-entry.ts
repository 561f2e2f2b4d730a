/**
 * The signed form of a directory entry in the cluster's shared log (docs/operations.md "Relay cluster",
 * "Trust model"). Redis holds the ORDER of the entries, but Redis is not trusted with their CONTENT: the
 * relay that appends an entry signs it with its own key, and every relay checks each entry before it
 * applies it to its replica.
 *
 * Stored (one JSON text per list element, keys in exactly this order, no whitespace):
 *   {"n": name, "k": base64(SPKI DER), "t": time ms, "r": hex fingerprint of the signing relay,
 *    "s": base64(RSA-PSS signature)}
 * Signed message:
 *   "leitung/relay-cluster/entry" 0x00 0x01 ‖ cluster log id (32 bytes) ‖ encodeEntry(entry)
 * where encodeEntry is the canonical leaf encoding of @leitung/merkle (its own domain tag, index, client
 * id = SHA3-256 of the key, name, key, time). The index is part of the signed bytes, so an entry is valid
 * only at the position it was appended at.
 */
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import { type DirectoryEntry, encodeEntry } from '@leitung/merkle';
import { checkName } from '../directory/name-policy.js';
import { RelayError, RelayErrorCode } from '../errors.js';

const LABEL = 'leitung/relay-cluster/entry';
const VERSION = 1;
const HEX64 = /^[0-9a-f]{64}$/;

/** An entry as stored in Redis, decoded (not yet checked against the signer or the replica). */
export interface StoredClusterEntry {
  readonly entry: DirectoryEntry;
  /** Hex fingerprint of the relay that appended (and signed) the entry. */
  readonly signer: string;
  readonly signature: Uint8Array;
}

/** The bytes a relay signs for the entry at `entry.index` of the cluster log `logId`. */
export function clusterEntryMessage(logId: Uint8Array, entry: DirectoryEntry): Uint8Array {
  const label = new TextEncoder().encode(LABEL);
  const leaf = encodeEntry(entry);
  const out = new Uint8Array(label.length + 2 + logId.length + leaf.length);
  out.set(label, 0);
  out[label.length] = 0;
  out[label.length + 1] = VERSION;
  out.set(logId, label.length + 2);
  out.set(leaf, label.length + 2 + logId.length);
  return out;
}

/** Signs the entry as `signer` and returns the JSON text to store. */
export function encodeClusterEntry(
  crypto: LeitungCrypto,
  logId: Uint8Array,
  entry: DirectoryEntry,
  signer: { readonly privateKey: RsaPrivateKey; readonly fingerprint: string },
): string {
  const signature = crypto.sign(signer.privateKey, clusterEntryMessage(logId, entry));
  return storedText(entry, signer.fingerprint, signature);
}

function storedText(entry: DirectoryEntry, signer: string, signature: Uint8Array): string {
  return JSON.stringify({
    n: entry.name,
    k: Buffer.from(entry.publicKey).toString('base64'),
    t: entry.time,
    r: signer,
    s: Buffer.from(signature).toString('base64'),
  });
}

/**
 * Decodes the stored text of the entry at `index`. Only the canonical text is accepted (it must equal the
 * re-encoding of what it decodes to: no extra keys, whitespace, other key order, non-canonical base64), the
 * name must pass the name policy, the key must be an RSA public key; the client id is always computed
 * from the key, never taken from Redis. Anything else: RelayError RELAY_ERR_CLUSTER_ENTRY_INVALID.
 */
export function decodeClusterEntry(crypto: LeitungCrypto, text: string, index: number): StoredClusterEntry {
  const invalid = (why: string) =>
    new RelayError(RelayErrorCode.ClusterEntryInvalid, `cluster log entry ${index}: ${why}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('not an object');
  const { n, k, t, r, s } = value as Record<string, unknown>;
  if (
    typeof n !== 'string' ||
    typeof k !== 'string' ||
    typeof t !== 'number' ||
    !Number.isSafeInteger(t) ||
    t < 0 ||
    typeof r !== 'string' ||
    !HEX64.test(r) ||
    typeof s !== 'string'
  ) {
    throw invalid('malformed fields');
  }
  try {
    checkName(n);
  } catch (error) {
    // The reason names the rule only; the name itself may hold terminal escapes and is never logged.
    throw invalid(`the name breaks the name policy (${(error as Error).message})`);
  }
  const publicKey = Uint8Array.from(Buffer.from(k, 'base64'));
  const signature = Uint8Array.from(Buffer.from(s, 'base64'));
  let key: RsaPublicKey;
  try {
    key = crypto.importRsaPublicKey(publicKey);
  } catch {
    throw invalid('the key is not an RSA public key');
  }
  const entry: DirectoryEntry = {
    index,
    clientId: crypto.sha3_256(key.toDer()),
    name: n,
    publicKey,
    time: t,
  };
  if (storedText(entry, r, signature) !== text) throw invalid('not in canonical form');
  return { entry, signer: r, signature };
}
