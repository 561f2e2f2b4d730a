/**
 * Blocklists of IP addresses (single addresses or CIDR subnets) and client key fingerprints (docs/design.md
 * §6). The text format is one item per line, `#` starts a comment:
 *
 *   203.0.113.7
 *   198.51.100.0/24
 *   2001:db8::/32
 *   key 3f0c…(64 hex digits: SHA3-256 of the SPKI DER, as `leitung-relay` prints fingerprints)
 *
 * A bare 64-hex-digit word is also read as a fingerprint. Parsing is all-or-nothing: a file with one bad
 * line is refused with RELAY_ERR_BLOCKLIST_INVALID (naming the line), so a typo during a SIGHUP reload
 * keeps the previous list instead of silently unblocking everyone.
 */
import { BlockList, isIP } from 'node:net';
import { RelayError, RelayErrorCode } from '../errors.js';

const FINGERPRINT = /^[0-9a-f]{64}$/;

/**
 * A parsed blocklist of IP addresses, CIDR subnets and client key fingerprints (docs/design.md §6): one item
 * per line, `key <64 hex digits>` for a fingerprint, `#` starts a comment. The {@link BlockPolicy} the relay
 * core applies, on node:net's BlockList. Parsing is all-or-nothing: one bad line refuses the whole list with
 * RELAY_ERR_BLOCKLIST_INVALID, so a reload with a typo keeps the previous list.
 */
export class Blocklist {
  readonly #addresses = new BlockList();
  readonly #fingerprints: ReadonlySet<string>;
  /** Number of address and subnet rules. */
  readonly addressRules: number;

  private constructor(rules: readonly AddressRule[], fingerprints: ReadonlySet<string>) {
    for (const rule of rules) {
      if (rule.prefix === undefined) this.#addresses.addAddress(rule.address, rule.family);
      else this.#addresses.addSubnet(rule.address, rule.prefix, rule.family);
    }
    this.addressRules = rules.length;
    this.#fingerprints = fingerprints;
  }

  /** A list that blocks nothing. */
  static empty(): Blocklist {
    return new Blocklist([], new Set());
  }

  /** Parses the text format above. */
  static parse(text: string): Blocklist {
    const rules: AddressRule[] = [];
    const fingerprints = new Set<string>();
    const lines = text.split(/\r?\n/);
    for (const [number, raw] of lines.entries()) {
      const line = raw.replace(/#.*/, '').trim();
      if (line === '') continue;
      const words = line.split(/\s+/);
      const keyForm = words.length === 2 && words[0] === 'key';
      const item = (keyForm ? words[1] : words.length === 1 ? words[0] : undefined)?.toLowerCase();
      if (item !== undefined && FINGERPRINT.test(item)) {
        fingerprints.add(item);
        continue;
      }
      const rule = item !== undefined && !keyForm ? parseAddressRule(item) : undefined;
      if (rule === undefined) {
        throw new RelayError(
          RelayErrorCode.BlocklistInvalid,
          `blocklist line ${number + 1} is not an IP address, a subnet or a key fingerprint`,
        );
      }
      rules.push(rule);
    }
    return new Blocklist(rules, fingerprints);
  }

  /** Number of blocked key fingerprints. */
  get fingerprintCount(): number {
    return this.#fingerprints.size;
  }

  /** True when `ip` (as the socket reports it; IPv4-mapped IPv6 is treated as IPv4) is blocked. */
  isAddressBlocked(ip: string): boolean {
    const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const family = isIP(plain);
    if (family === 0) return false;
    return this.#addresses.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** True when the key with this fingerprint (hex SHA3-256 of its SPKI DER) is blocked. */
  isKeyBlocked(fingerprint: string): boolean {
    return this.#fingerprints.has(fingerprint.toLowerCase());
  }
}

interface AddressRule {
  readonly address: string;
  readonly family: 'ipv4' | 'ipv6';
  readonly prefix?: number;
}

function parseAddressRule(item: string): AddressRule | undefined {
  const [address, prefixText, extra] = item.split('/');
  if (address === undefined || extra !== undefined) return undefined;
  const kind = isIP(address);
  if (kind === 0) return undefined;
  const family = kind === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { address, family };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > (kind === 4 ? 32 : 128)) return undefined;
  return { address, family, prefix };
}
