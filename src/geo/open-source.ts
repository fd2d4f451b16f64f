// Opens the GeoSource for a file of any supported format (told by content, not name), and chains
// several files (e.g. ip-location-db's IPv4 + IPv6 pair) into one source.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { csvSource } from './csv-source.js';
import type { ClientLocation } from './location.js';
import { isMmdbFile, mmdbSource } from './mmdb-source.js';
import { METADATA_MAX_SIZE } from './mmdb-verify.js';
import { errorMessage, GeoIPError } from './source.js';
import type { GeoRole, GeoSource } from './source.js';

/** Reads `length` bytes at `position` (fewer at the end of the file). */
const readAt = async (handle: FileHandle, buf: Buffer, at: number, length: number, position: number): Promise<number> => {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, at + done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
};

const readSource = async (file: string, handle: FileHandle, role: GeoRole): Promise<GeoSource> => {
  const { size } = await handle.stat();
  if (size === 0) throw new GeoIPError(file, 'is empty');
  // The start and the end tell the format; only an mmdb file is kept in memory whole.
  const tail = Buffer.alloc(Math.min(size, METADATA_MAX_SIZE));
  await readAt(handle, tail, 0, tail.length, size - tail.length);
  const head = Buffer.alloc(2);
  await readAt(handle, head, 0, 2, 0);
  if (isMmdbFile(tail) || file.endsWith('.mmdb') || (head[0] === 0x1f && head[1] === 0x8b)) {
    const data = Buffer.allocUnsafe(size);
    const read = await readAt(handle, data, 0, size, 0);
    return mmdbSource(file, read === size ? data : data.subarray(0, read), role);
  }
  let position = 0;
  return csvSource(
    file,
    async (buf, at) => {
      const { bytesRead } = await handle.read(buf, at, buf.length - at, position);
      position += bytesRead;
      return bytesRead;
    },
    role,
    size,
  );
};

export const openSource = async (file: string, role: GeoRole): Promise<GeoSource> => {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new GeoIPError(file, `cannot be read: ${errorMessage(error)}`);
  }
  try {
    return await readSource(file, handle, role);
  } catch (error) {
    if (error instanceof GeoIPError) throw error;
    throw new GeoIPError(file, `cannot be read: ${errorMessage(error)}`);
  } finally {
    await handle.close();
  }
};

/** The first source that knows an address answers for it. */
export const chainSources = (sources: GeoSource[]): GeoSource => {
  if (sources.length === 1) return sources[0]!;
  return {
    describe: sources.map((s) => s.describe).join(' + '),
    lookup(ip: string): Partial<ClientLocation> | undefined {
      for (const source of sources) {
        const found = source.lookup(ip);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    close(): void {
      for (const source of sources) source.close?.();
    },
  };
};

/** Opens every file (all of them, or none: a failure closes those already open). */
export const openSources = async (files: string[], role: GeoRole): Promise<GeoSource> => {
  const results = await Promise.allSettled(files.map((file) => openSource(file, role)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    for (const r of results) if (r.status === 'fulfilled') r.value.close?.();
    throw failed.reason;
  }
  return chainSources(results.map((r) => (r as PromiseFulfilledResult<GeoSource>).value));
};
