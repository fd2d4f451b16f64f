// A file of the local (master) repository as the indexer recorded it.

export type HashName = 'sha1' | 'sha256' | 'md5';

export interface RepoFile {
  /** Repository-relative path with a leading `/`, e.g. `/vlc/3.0/vlc.exe`. */
  path: string;
  size: number;
  /** Unix ms (may carry a fraction from the filesystem's ns precision truncated to ms). */
  mtimeMs: number;
  /** Lower-case hex; '' when not computed. */
  sha1: string;
  sha256: string;
  md5: string;
}
