/**
 * What the vault holds (docs/design.md §7), and its plaintext encoding: UTF-8 JSON with byte fields in base64.
 * The contents are authenticated before they are parsed, so a parse failure means a bug or a damaged file
 * whose damage survived the MAC (impossible in practice); it is still reported as CLIENT_ERR_VAULT_CORRUPT
 * rather than trusted.
 */
import type { SignedTreeHead } from '@leitung/wire';
import type { PinnedContact } from '../core/client-store.js';
import { parseRelayEntry, type RelayEntry } from '../relays/relay-entry.js';
import { fromBase64, toBase64 } from './base64.js';
import { corrupt } from './vault-format.js';

/** A value the vault stores under a settings key (`SecureVault.setting`): anything JSON can hold. */
export type SettingValue =
  | string
  | number
  | boolean
  | null
  | SettingValue[]
  | { [key: string]: SettingValue };

export interface VaultContents {
  /** PKCS#8 DER of the identity key, if one was stored. */
  identity: Uint8Array | undefined;
  /**
   * PKCS#8 DER of the key a key rotation in progress moves to (docs/client.md "Key rotation"): stored
   * before ROTATE_KEY is sent, so a crash after the relay appended the rotation loses nothing.
   */
  pendingIdentity: Uint8Array | undefined;
  /** The client's name. */
  name: string | undefined;
  /** Pinned relays (relay-list entries with their key fingerprints), by fingerprint. */
  relays: Map<string, RelayEntry>;
  /** Last accepted tree head per log id (hex). */
  treeHeads: Map<string, SignedTreeHead>;
  /** Pinned contact keys by name. */
  contacts: Map<string, PinnedContact>;
  settings: Map<string, SettingValue>;
}

export function emptyContents(): VaultContents {
  return {
    identity: undefined,
    pendingIdentity: undefined,
    name: undefined,
    relays: new Map(),
    treeHeads: new Map(),
    contacts: new Map(),
    settings: new Map(),
  };
}

export function encodeContents(c: VaultContents): Uint8Array {
  const json = {
    v: 1,
    identity: c.identity === undefined ? null : toBase64(c.identity),
    ...(c.pendingIdentity === undefined ? {} : { pendingIdentity: toBase64(c.pendingIdentity) }),
    name: c.name ?? null,
    relays: [...c.relays.values()],
    treeHeads: Object.fromEntries(
      [...c.treeHeads].map(([logId, h]) => [
        logId,
        {
          size: h.size,
          root: toBase64(h.root),
          mapRoot: toBase64(h.mapRoot),
          time: h.time,
          logId: toBase64(h.logId),
          signature: toBase64(h.signature),
        },
      ]),
    ),
    contacts: Object.fromEntries(
      [...c.contacts].map(([name, p]) => [
        name,
        { clientId: p.clientId, publicKey: toBase64(p.publicKey), pinnedAt: p.pinnedAt },
      ]),
    ),
    settings: Object.fromEntries(c.settings),
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

export function decodeContents(bytes: Uint8Array): VaultContents {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch (error) {
    throw corrupt('vault contents are not valid JSON', error);
  }
  if (typeof json !== 'object' || json === null || json.v !== 1)
    throw corrupt('unknown vault contents version');
  const out = emptyContents();
  if (json.identity !== null) out.identity = b64(json.identity, 'identity');
  // Absent in vaults written before key rotation, and whenever no rotation is in progress.
  if (json.pendingIdentity !== undefined) out.pendingIdentity = b64(json.pendingIdentity, 'pending identity');
  if (json.name !== null) {
    if (typeof json.name !== 'string') throw corrupt('vault name is not a string');
    out.name = json.name;
  }
  for (const r of arrayOf(json.relays, 'relays')) {
    const entry = guard(() => parseRelayEntry(r), 'relay entry');
    out.relays.set(entry.fingerprint, entry);
  }
  for (const [logId, value] of entriesOf(json.treeHeads, 'treeHeads')) {
    const h = value as Record<string, unknown>;
    // A head saved before heads signed the name map binds no map: forget it (docs/key-transparency.md).
    if (h.mapRoot === undefined) continue;
    out.treeHeads.set(logId, {
      size: safeInt(h.size, 'tree size'),
      root: b64(h.root, 'tree root'),
      mapRoot: b64(h.mapRoot, 'map root'),
      time: safeInt(h.time, 'tree time'),
      logId: b64(h.logId, 'log id'),
      signature: b64(h.signature, 'tree signature'),
    });
  }
  for (const [name, value] of entriesOf(json.contacts, 'contacts')) {
    const p = value as Record<string, unknown>;
    if (typeof p.clientId !== 'string' || !/^[0-9a-f]{64}$/.test(p.clientId)) throw corrupt('contact id');
    out.contacts.set(name, {
      name,
      clientId: p.clientId,
      publicKey: b64(p.publicKey, 'contact key'),
      pinnedAt: safeInt(p.pinnedAt, 'pin time'),
    });
  }
  for (const [key, value] of entriesOf(json.settings, 'settings'))
    out.settings.set(key, value as SettingValue);
  return out;
}

function b64(value: unknown, what: string): Uint8Array {
  const bytes = typeof value === 'string' ? fromBase64(value) : undefined;
  if (!bytes) throw corrupt(`vault ${what} is not base64`);
  return new Uint8Array(bytes);
}

function safeInt(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw corrupt(`vault ${what} is not an integer`);
  return value as number;
}

function arrayOf(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw corrupt(`vault ${what} is not a list`);
  return value;
}

function entriesOf(value: unknown, what: string): [string, unknown][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw corrupt(`vault ${what} is not a map`);
  return Object.entries(value);
}

function guard<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (error) {
    throw corrupt(`vault ${what} is invalid`, error);
  }
}
