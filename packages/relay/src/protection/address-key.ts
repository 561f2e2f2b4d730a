/**
 * The "address" that per-address connection quotas count against (docs/relay.md "Handshake slots"): an
 * IPv4 address as it is (/32), an IPv6 address by its /64 prefix. One IPv6 host routinely owns a whole /64
 * (SLAAC, privacy addresses), so counting single IPv6 addresses would hand it 2^64 quotas. Pure string
 * work, no node:* import, so the sans-I/O core can use it.
 */

/** The quota key of `ip` (already without an IPv4-mapped `::ffff:` prefix). */
export function addressKey(ip: string): string {
  if (!ip.includes(':')) return ip;
  const groups = expandIpv6(ip);
  // Not parseable (the shell only hands over what the socket reported): the address itself.
  if (groups === undefined) return ip.toLowerCase();
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (hex, no leading zeros), or undefined when malformed. */
function expandIpv6(ip: string): string[] | undefined {
  const zone = ip.indexOf('%');
  let text = (zone < 0 ? ip : ip.slice(0, zone)).toLowerCase();
  // A dotted IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) stands for the last two groups.
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail !== null) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    if ([a, b, c, d].some((n) => n > 255)) return undefined;
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => Number.parseInt(g, 16).toString(16));
}
