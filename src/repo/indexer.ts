// Indexes the local repository: walks it and hashes what changed since the previous index.
// Stored hashes are reused when size and mtime are unchanged, so a routine rescan reads no file contents.
import { join } from 'node:path';
import type { HashName, RepoFile } from './file.js';
import { HashPool, hashNames } from './hash.js';
import type { RepoLink } from './link.js';
import { walkFast } from './find-walk.js';
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
    if (opts.pool === undefined) await pool.close();
  }
  failed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, links, hashed, reused: walked.length - pending.length, failed, skipped };
};
