// Worker thread of HashPool: reads one file at a time and computes the requested digests in a single pass.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { HashDigests, HashReply, HashRequest } from './hash.js';

/** Large reads: hashing is CPU-bound, and fewer chunks mean fewer calls into the hash functions. */
const chunkSize = 1 << 20;

const describe = (error: unknown): string => {
  // Node's fs messages end with the syscall and the path; HashError names the path itself.
  return error instanceof Error ? error.message.replace(/, \w+ '.*'$/s, '') : String(error);
};

/** One buffer per worker, reused for every file. */
const buffer = Buffer.allocUnsafe(chunkSize);

// Synchronous reads block only this worker, and skip the thread-pool round trips that dominate small files.
const hashFile = ({ id, path, algos }: HashRequest): HashReply => {
  const hashes = algos.map((name) => createHash(name));
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
      const chunk = buffer.subarray(0, read);
      for (const hash of hashes) hash.update(chunk);
    }
  } catch (error) {
    return { id, ok: false, error: describe(error) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const digests: Partial<HashDigests> = {};
  algos.forEach((name, i) => {
    digests[name] = hashes[i].digest('hex');
  });
  return { id, ok: true, digests };
};

const port = parentPort;
if (port === null) throw new Error('hash-worker.ts must run in a worker thread started by HashPool');
port.on('message', (request: HashRequest) => {
  port.postMessage(hashFile(request));
});
