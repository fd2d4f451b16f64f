// Indexes the local repository: walks it and hashes what changed since the previous index.
// Stored hashes are reused when size and mtime are unchanged, so a routine rescan reads no file contents.
import { join } from 'node:path';
import type { HashName, RepoFile } from './file.js';
import { HashPool, hashNames } from './hash.js';
import type { RepoLink } from './link.js';
import { walkFast, walkFastEach } from './find-walk.js';
import type { WalkedFile } from './walk.js';

export { RepositoryError } from './walk.js';

export interface IndexOptions {
  /** The repository directory (`Repository`). */
  root: string;
  /** Which digests to compute (`Hashes`); the others are stored as ''. */
  hashes: { sha1: boolean; sha256: boolean; md5: boolean };
  /** The index as stored, by path. */
  previous: { get(path: string): RepoFile | undefined };
  /** Hash every file, whatever the previous index says (`refresh --rehash`). */
  rehash?: boolean;
  /** A pool to share; when absent one is started and closed for this run. */
  pool?: HashPool;
  /** Called after each file hashed (or failed): `done` of `total` files that needed hashing. */
  onProgress?: (done: number, total: number) => void;
}

export interface RepositoryIndex {
  /** Sorted by path. */
  files: RepoFile[];
  links: RepoLink[];
  /** Files whose digests were computed in this run. */
  hashed: number;
  /** Files whose stored digests were kept. */
  reused: number;
  /** Files that could not be read; they are still in `files`, with empty digests. */
  failed: { path: string; error: string }[];
  /** Entries the walk could not index, with the reason. */
  skipped: string[];
}

const canReuse = (walked: WalkedFile, stored: RepoFile | undefined, algos: readonly HashName[]): stored is RepoFile =>
  stored !== undefined &&
  stored.size === walked.size &&
  stored.mtimeMs === walked.mtimeMs &&
  algos.every((name) => stored[name] !== '');

/** Rejects with a RepositoryError when the root itself cannot be walked. */
export const indexRepository = async (opts: IndexOptions): Promise<RepositoryIndex> => {
  const { files: walked, links, skipped } = await walkFast(opts.root);
  const algos = hashNames.filter((name) => opts.hashes[name]);
  const files: RepoFile[] = [];
  const pending: { index: number; walked: WalkedFile }[] = [];
  for (const entry of walked) {
    const stored = opts.previous.get(entry.path);
    // The walk's own object, completed in place: a second object per file is 1M objects at Debian's scale.
    const file = Object.assign(entry, { sha1: '', sha256: '', md5: '' }) as RepoFile;
    if (algos.length === 0) {
      // Nothing to compute: the entry is complete as it is.
    } else if (!opts.rehash && canReuse(entry, stored, algos)) {
      for (const name of algos) file[name] = stored[name];
    } else {
      pending.push({ index: files.length, walked: entry });
    }
    files.push(file);
  }

  const { hashed, failed } = await computeDigests(opts.root, files, pending, algos, opts.pool, opts.onProgress);
  return { files, links, hashed, reused: walked.length - pending.length, failed, skipped };
};

/** Hashes `pending` entries of `files` in the pool, filling in their digests; failures are listed, sorted by path. */
const computeDigests = async (
  root: string,
  files: RepoFile[],
  pending: { index: number; walked: WalkedFile }[],
  algos: readonly HashName[],
  shared: HashPool | undefined,
  onProgress: ((done: number, total: number) => void) | undefined,
): Promise<{ hashed: number; failed: { path: string; error: string }[] }> => {
  const opts = { root, pool: shared, onProgress };
  const pool = opts.pool ?? new HashPool();
  const failed: { path: string; error: string }[] = [];
  let hashed = 0;
  let done = 0;
  try {
    // Feed the pool a few jobs per worker rather than the whole list, so memory stays flat on huge repositories.
    let next = 0;
    const feed = async (): Promise<void> => {
      while (next < pending.length) {
        const { index, walked: entry } = pending[next++];
        try {
          const digests = await pool.hash(join(opts.root, entry.path), algos);
          for (const name of algos) files[index][name] = digests[name];
          hashed += 1;
        } catch (error) {
          failed.push({ path: entry.path, error: error instanceof Error ? error.message : String(error) });
        }
        done += 1;
        opts.onProgress?.(done, pending.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(pending.length, pool.size * 4) }, feed));
  } finally {
    if (shared === undefined) await pool.close();
  }
  failed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { hashed, failed };
};

/** The index as the catalog holds it, for a rescan that only looks for changes. */
export interface KnownIndex {
  /** One more than the largest file id. */
  slots: number;
  idOf(path: string): number | undefined;
  pathOf(id: number): string | undefined;
  /** Same size and mtime as indexed, with exactly the digests in `algos` computed (no others). */
  unchanged(id: number, size: number, mtimeMs: number, algos: readonly HashName[]): boolean;
}

export interface IndexChanges {
  /** New and changed files, with their digests. */
  upserts: RepoFile[];
  /** Indexed paths no longer on disk. */
  removed: string[];
  links: RepoLink[];
  /** Files found on disk. */
  files: number;
  hashed: number;
  failed: { path: string; error: string }[];
  skipped: string[];
}

/**
 * Walks the repository comparing each file with `known` as it comes, keeping only what changed: a rescan of a
 * million unchanged files then holds no object per file.
 */
export const indexChanges = async (opts: Omit<IndexOptions, 'previous' | 'rehash'> & { known: KnownIndex }): Promise<IndexChanges> => {
  const { known } = opts;
  const algos = hashNames.filter((name) => opts.hashes[name]);
  const seen = new Uint8Array(known.slots);
  const upserts: RepoFile[] = [];
  const pending: { index: number; walked: WalkedFile }[] = [];
  let files = 0;
  const onFile = (entry: WalkedFile): void => {
    files++;
    const id = known.idOf(entry.path);
    if (id !== undefined) seen[id] = 1;
    if (id !== undefined && known.unchanged(id, entry.size, entry.mtimeMs, algos)) return;
    const file = Object.assign(entry, { sha1: '', sha256: '', md5: '' }) as RepoFile;
    if (algos.length > 0) pending.push({ index: upserts.length, walked: entry });
    upserts.push(file);
  };
  const { links, skipped } = await walkFastEach(opts.root, onFile);
  const removed: string[] = [];
  for (let id = 0; id < known.slots; id++) {
    if (seen[id] === 1) continue;
    const path = known.pathOf(id);
    if (path !== undefined) removed.push(path);
  }
  const { hashed, failed } = await computeDigests(opts.root, upserts, pending, algos, opts.pool, opts.onProgress);
  return { upserts, removed, links, files, hashed, failed, skipped };
};
