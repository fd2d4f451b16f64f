// Walks the local repository: regular files with size and mtime, and the symlinks found on the way.
// Directory symlinks are recorded, never descended into, so a link loop cannot trap the walk.
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { RepoLink } from './link.js';

/** The repository root cannot be walked at all: the operator must fix `Repository`. */
export class RepositoryError extends Error {
  override name = 'RepositoryError';
}

export interface WalkedFile {
  /** Repository path with a leading `/`. */
  path: string;
  size: number;
  mtimeMs: number;
}

export interface RepositoryWalk {
  /** Sorted by path. */
  files: WalkedFile[];
  /** Sorted by path. */
  links: RepoLink[];
  /** `"<repository path>: <reason>"` for each unreadable directory, broken link or entry that vanished mid-walk. */
  skipped: string[];
}

/** Enough parallel stat calls to keep libuv's thread pool busy without queueing a whole huge directory at once. */
const statBatch = 256;

export const errorCode = (error: unknown): string =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : String(error);

export const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Opens the root, failing with a RepositoryError that names it: an empty index would wipe the stored one. */
export const openRoot = async (root: string): Promise<string> => {
  let real: string;
  let info: Stats;
  try {
    real = await realpath(root);
    info = await stat(real);
  } catch (error) {
    const code = errorCode(error);
    throw new RepositoryError(
      code === 'ENOENT' ? `repository ${root} does not exist` : `repository ${root} cannot be opened (${code})`,
    );
  }
  if (!info.isDirectory()) throw new RepositoryError(`repository ${root} is not a directory`);
  return real;
};

/**
 * Records the symlink at repository path `path` (file `absolute`) in `links`: its target as a repository path, or
 * null when it leads outside; a broken link goes to `skipped`.
 */
export const linkRecorder = (realRoot: string, links: RepoLink[], skipped: string[]) => {
  const isInside = (real: string): boolean =>
    real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  const repoPath = (real: string): string => '/' + relative(realRoot, real).split(sep).join('/');
  return async (path: string, absolute: string): Promise<void> => {
    let real: string;
    try {
      real = await realpath(absolute);
    } catch (error) {
      skipped.push(`${path}: broken symlink (${errorCode(error)})`);
      return;
    }
    if (!isInside(real)) {
      links.push({ path, target: null });
      return;
    }
    const info = await stat(real);
    // A link to a socket, fifo or device is as unservable as the thing itself.
    if (info.isFile() || info.isDirectory()) links.push({ path, target: repoPath(real) });
  };
};

/** The walk in JavaScript (fs.promises); findWalk is several times faster where GNU find exists. */
export const walkRepository = async (root: string): Promise<RepositoryWalk> => {
  const realRoot = await openRoot(root);
  const files: WalkedFile[] = [];
  const links: RepoLink[] = [];
  const skipped: string[] = [];

  const addFile = (path: string, info: Stats): void => {
    files.push({ path, size: info.size, mtimeMs: info.mtimeMs });
  };

  const addLink = linkRecorder(realRoot, links, skipped);

  /** Returns the subdirectory to descend into, if the entry is one. */
  const visit = async (entry: Dirent, absolute: string, path: string): Promise<string | undefined> => {
    try {
      if (entry.isDirectory()) return absolute;
      if (entry.isFile()) {
        addFile(path, await lstat(absolute));
        return undefined;
      }
      if (entry.isSymbolicLink()) {
        await addLink(path, absolute);
        return undefined;
      }
      if (entry.isSocket() || entry.isFIFO() || entry.isBlockDevice() || entry.isCharacterDevice()) return undefined;
      // Some filesystems do not report entry types in readdir: ask lstat instead.
      const info = await lstat(absolute);
      if (info.isDirectory()) return absolute;
      if (info.isFile()) addFile(path, info);
      else if (info.isSymbolicLink()) await addLink(path, absolute);
    } catch (error) {
      const code = errorCode(error);
      skipped.push(`${path}: ${code === 'ENOENT' ? 'vanished during the walk' : `cannot be read (${code})`}`);
    }
    return undefined;
  };

  const walkDirectory = async (absolute: string, path: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(absolute, { withFileTypes: true });
    } catch (error) {
      if (absolute === realRoot) throw new RepositoryError(`repository ${root} cannot be read (${errorCode(error)})`);
      skipped.push(`${path}: directory cannot be read (${errorCode(error)})`);
      return;
    }
    const prefix = path === '/' ? '/' : `${path}/`;
    const subdirectories: [string, string][] = [];
    for (let start = 0; start < entries.length; start += statBatch) {
      const batch = entries.slice(start, start + statBatch);
      const found = await Promise.all(
        batch.map((entry) => visit(entry, join(absolute, entry.name), prefix + entry.name)),
      );
      found.forEach((directory, i) => {
        if (directory !== undefined) subdirectories.push([directory, prefix + batch[i].name]);
      });
    }
    // One directory at a time keeps the number of open handles bounded on wide trees.
    for (const [directory, directoryPath] of subdirectories) await walkDirectory(directory, directoryPath);
  };

  await walkDirectory(realRoot, '/');
  files.sort(byPath);
  links.sort(byPath);
  skipped.sort();
  return { files, links, skipped };
};
