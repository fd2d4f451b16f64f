// Content verification: fetch a small file, or a byte range of a large one, from a mirror and compare it with the
// repository's bytes. A mismatch is how a corrupted or tampered mirror is found.
import { open } from 'node:fs/promises';
import type { RepoFile } from '../repo/file.js';
import { fetchRange } from './probe.js';
import type { ProbeOptions } from './probe.js';

/** Bytes compared per check: whole files up to this size, a random window of it in larger ones. */
export const CONTENT_WINDOW = 64 * 1024;

export type ContentVerdict = { ok: true } | { ok: false; mismatch: boolean; reason: string };

const readLocal = async (path: string, start: number, length: number): Promise<Buffer | undefined> => {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, start);
      return bytesRead === length ? buffer : undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
};

/** `url` is the file on the mirror, `localPath` the same file in the repository. */
export const verifyContent = async (url: string, file: RepoFile, localPath: string, opts: ProbeOptions, random: () => number = Math.random): Promise<ContentVerdict> => {
  if (file.size === 0) return { ok: true };
  const length = Math.min(file.size, CONTENT_WINDOW);
  const start = file.size > length ? Math.floor(random() * (file.size - length + 1)) : 0;
  const end = start + length - 1;
  const local = await readLocal(localPath, start, length);
  if (!local) return { ok: true }; // the repository changed under us: the next index refresh will tell
  const remote = await fetchRange(url, start, end, opts);
  if (!remote.ok) return { ok: false, mismatch: false, reason: remote.reason };
  if (!remote.bytes.equals(local)) {
    return { ok: false, mismatch: true, reason: `Content mismatch: ${file.path} bytes ${start}-${end} differ from the repository` };
  }
  return { ok: true };
};
