// Paths in the order SQLite's BINARY collation sorts them (UTF-8 bytes, which is code point order), so that a
// sorted input can be merged with a sorted table scan instead of held in a Map of a million entries.

/** Code point order of two strings: UTF-16 order except that surrogates (astral characters) sort after U+E000–U+FFFF. */
export const comparePaths = (a: string, b: string): number => {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
};

/**
 * The items sorted by path, one per path: of items with the same path the last given wins. Returns the input
 * itself when it is already sorted without repeats (a repository walk, most listings).
 */
export const uniqueByPath = <T extends { path: string }>(items: readonly T[]): readonly T[] => {
  let sorted = true;
  for (let i = 1; i < items.length && sorted; i++) sorted = comparePaths(items[i - 1]!.path, items[i]!.path) < 0;
  if (sorted) return items;
  // Stable sort: equal paths keep their input order, so the last of each run is the last given.
  const order = [...items.keys()].sort((i, j) => comparePaths(items[i]!.path, items[j]!.path) || i - j);
  const out: T[] = [];
  for (let k = 0; k < order.length; k++) {
    const item = items[order[k]!]!;
    if (k + 1 < order.length && items[order[k + 1]!]!.path === item.path) continue;
    out.push(item);
  }
  return out;
};
