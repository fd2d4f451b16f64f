// Walks the search tree of an mmdb file to the data record of an address, so readers can cache
// per record (a handful of bytes) instead of per decoded object.
import type { ParsedIP } from './ip.js';

/** Left and right record values of a search tree node, for the three record sizes the format allows. */
export const recordReaders = (db: Buffer, recordSize: number): [(node: number) => number, (node: number) => number] => {
  const u24 = (at: number): number => (db[at]! << 16) | (db[at + 1]! << 8) | db[at + 2]!;
  switch (recordSize) {
    case 24:
      return [(node) => u24(node * 6), (node) => u24(node * 6 + 3)];
    case 28:
      return [(node) => (db[node * 7 + 3]! >> 4) * 0x1000000 + u24(node * 7), (node) => (db[node * 7 + 3]! & 0x0f) * 0x1000000 + u24(node * 7 + 4)];
    case 32:
      return [(node) => db.readUInt32BE(node * 8), (node) => db.readUInt32BE(node * 8 + 4)];
    default:
      throw new Error(`unsupported record size ${recordSize}`);
  }
};

export class SearchTree {
  private readonly left: (node: number) => number;
  private readonly right: (node: number) => number;
  /** Where IPv4 addresses start in an IPv6 tree: the node reached by 96 zero bits (::/96). */
  private readonly ipv4Root: number;

  constructor(
    db: Buffer,
    private readonly nodeCount: number,
    recordSize: number,
    private readonly ipVersion: number,
  ) {
    [this.left, this.right] = recordReaders(db, recordSize);
    let node = 0;
    if (ipVersion === 6) for (let i = 0; i < 96 && node < nodeCount; i++) node = this.left(node);
    this.ipv4Root = node;
  }

  /**
   * The data section offset of the record for an address, or -1 when the tree has none. An
   * IPv6 address in an IPv4-only tree has none (rather than the answer for its first 32 bits).
   */
  recordOffset(address: ParsedIP): number {
    if (address.family === 6 && this.ipVersion === 4) return -1;
    const { bytes } = address;
    const bits = bytes.length * 8;
    let node = address.family === 4 ? this.ipv4Root : 0;
    for (let i = 0; i < bits && node < this.nodeCount; i++) {
      node = (bytes[i >> 3]! >> (7 - (i & 7))) & 1 ? this.right(node) : this.left(node);
    }
    // Past nodeCount + 16 (the separator) lies the data section; exactly nodeCount means "no data".
    return node > this.nodeCount ? node - this.nodeCount - 16 : -1;
  }
}
