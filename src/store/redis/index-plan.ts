// A change of the repository index worked out before it is committed: which paths enter and leave the `files`
// hash, which records of the tables change, which paths are appended, and how mirrors' holdings must follow.
// Pure: redis-store.ts reads the state it starts from and commits the plan in one script (scripts.ts).
import type { RepoFile } from '../../repo/file.js';
import type { IndexChange } from '../holdings.js';
import { StoreError, type ReplaceCounts } from '../store.js';
import { ABSENT, DIGEST_BYTES, RECORD_BYTES, recordOf, writeDigests, writeRecord, type StoredFile } from './file-tables.js';

export class IndexPlan {
  /** The id the next new path gets; grows as the plan gives ids. */
  nextId: number;
  /** Path, id… entering the `files` hash. */
  readonly pathSets: string[] = [];
  /** Paths leaving it. */
  readonly pathDeletes: string[] = [];
  /** Paths of the new ids, in id order: appended to files:paths. */
  readonly newPaths: string[] = [];
  /** Id, size, mtime, digest slot (-1: digests unchanged)… of the table records to write. */
  readonly records: number[] = [];
  /** The planned files' digests, one 68-byte slot per file planned. */
  readonly digests: Buffer;
  #slots = 0;
  /** Path and id of every file indexed after the change, for a staged `files` hash. */
  readonly keptPaths: string[] = [];
  readonly keptIds: number[] = [];
  readonly changes: IndexChange[] = [];
  /** Of files; `total` is the caller's to fill in. */
  readonly counts: ReplaceCounts = { total: 0, added: 0, changed: 0, removed: 0 };

  /**
   * @param version files:version of the state planned from; the commit checks it is still current.
   * @param nextId the id the next new path gets in that state.
   * @param capacity how many files the plan will be given (each takes a slot of digests).
   * @param links path, target… when the links change, else undefined.
   */
  constructor(
    readonly version: string,
    nextId: number,
    capacity: number,
    readonly links: string[] | undefined,
  ) {
    this.nextId = nextId;
    this.digests = Buffer.alloc(capacity * DIGEST_BYTES);
  }

  /** `file` is to be indexed; `before` is what is stored at its path, if anything. */
  file(file: RepoFile, before: StoredFile | undefined): void {
    // NUL ends each path in files:paths; no file system allows it in a name.
    if (file.path.includes('\0')) throw new StoreError(`${JSON.stringify(file.path)}: a path cannot hold a NUL character`);
    const slot = this.#slots++;
    writeDigests(this.digests, slot, file);
    if (before === undefined) {
      const id = this.nextId++;
      this.pathSets.push(file.path, String(id));
      this.newPaths.push(file.path);
      this.records.push(id, file.size, file.mtimeMs, slot);
      this.keptPaths.push(file.path);
      this.keptIds.push(id);
      this.counts.added++;
      return;
    }
    this.keptPaths.push(file.path);
    this.keptIds.push(before.id);
    const sameCopy = before.size === file.size && before.mtimeMs === file.mtimeMs;
    const from = before.slot * DIGEST_BYTES;
    const sameDigests = this.digests.compare(before.digests, from, from + DIGEST_BYTES, slot * DIGEST_BYTES, (slot + 1) * DIGEST_BYTES) === 0;
    if (sameCopy && sameDigests) return;
    this.counts.changed++;
    this.records.push(before.id, file.size, file.mtimeMs, sameDigests ? -1 : slot);
    if (!sameCopy) {
      this.changes.push({ id: before.id, removed: false, old: { size: before.size, mtimeMs: before.mtimeMs }, now: { size: file.size, mtimeMs: file.mtimeMs } });
    }
  }

  /** The file at `path`, id `id`, leaves the index. */
  removal(path: string, id: number): void {
    this.pathDeletes.push(path);
    this.records.push(id, ABSENT, 0, -1);
    this.changes.push({ id, removed: true });
    this.counts.removed++;
  }

  get changesAnything(): boolean {
    return this.counts.added + this.counts.changed + this.counts.removed > 0 || this.links !== undefined;
  }

  /** Entries entering or leaving the `files` hash. */
  get pathWrites(): number {
    return this.pathSets.length / 2 + this.pathDeletes.length;
  }

  /** Records of the tables to write. */
  get recordWrites(): number {
    return this.records.length / 4;
  }

  /** Id, 16-byte record, 68-byte digests ('' when unchanged)… for the commit script to write in place. */
  recordArgs(): (string | Buffer)[] {
    const args: (string | Buffer)[] = [];
    for (let i = 0; i < this.records.length; i += 4) {
      const slot = this.records[i + 3]!;
      args.push(
        String(this.records[i]),
        recordOf(this.records[i + 1]!, this.records[i + 2]!),
        slot < 0 ? '' : this.digests.subarray(slot * DIGEST_BYTES, (slot + 1) * DIGEST_BYTES),
      );
    }
    return args;
  }

  /** Both tables whole, as they are after the change: `byId` and `digests` are those of the state planned from. */
  tables(byId: Buffer, digests: Buffer): [byId: Buffer, digests: Buffer] {
    const newById = Buffer.alloc(this.nextId * RECORD_BYTES);
    const newDigests = Buffer.alloc(this.nextId * DIGEST_BYTES);
    byId.copy(newById);
    digests.copy(newDigests);
    for (let i = 0; i < this.records.length; i += 4) {
      const id = this.records[i]!;
      const slot = this.records[i + 3]!;
      writeRecord(newById, id, this.records[i + 1]!, this.records[i + 2]!);
      if (slot >= 0) this.digests.copy(newDigests, id * DIGEST_BYTES, slot * DIGEST_BYTES, (slot + 1) * DIGEST_BYTES);
    }
    return [newById, newDigests];
  }

  /** What files:paths gains: each new path followed by NUL. */
  appendedPaths(): string {
    return this.newPaths.length === 0 ? '' : `${this.newPaths.join('\0')}\0`;
  }
}
