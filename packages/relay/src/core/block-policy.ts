/**
 * What the sans-I/O core asks of a blocklist (docs/design.md §6). The file-backed {@link Blocklist} in
 * protection/ implements it with node:net's BlockList; keeping the core on this interface keeps node:*
 * out of the core, so it runs deterministically anywhere.
 */
export interface BlockPolicy {
  /** True when connections from `ip` are refused. */
  isAddressBlocked(ip: string): boolean;
  /** True when the client with this key fingerprint (SHA3-256 of its SPKI, hex) is refused. */
  isKeyBlocked(fingerprint: string): boolean;
}

/** The policy of a relay without a blocklist. */
export const NOTHING_BLOCKED: BlockPolicy = Object.freeze({
  isAddressBlocked: () => false,
  isKeyBlocked: () => false,
});
