// Which live node owns a key (a mirror id): rendezvous hashing, so that a node joining or leaving moves only the keys
// it gains or loses, and every node computes the same answer from the same list without talking to the others.

/** 32-bit FNV-1a of a string, finished with MurmurHash3's mixer so that near-identical inputs spread apart. */
const hash32 = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/** How much `node` wants `key`; the highest bidder owns it. */
export const weight = (node: string, key: number): number => hash32(`${node}\n${key}`);

/**
 * The node of `nodes` that owns `key`, or undefined when there is none. Ties (a 32-bit collision) go to the name
 * that sorts first, so the answer does not depend on the order the list came in.
 */
export const ownerOf = (key: number, nodes: readonly string[]): string | undefined => {
  let owner: string | undefined;
  let best = -1;
  for (const node of nodes) {
    const w = weight(node, key);
    if (w > best || (w === best && owner !== undefined && node < owner)) {
      owner = node;
      best = w;
    }
  }
  return owner;
};
