// Reading the repository index (the `files` hash, the tables of file-tables.ts, `links`) and staging a new `files`
// hash in bounded chunks, so that no single command stalls the server.
import type { Redis } from 'ioredis';
import { comparePaths } from '../path-order.js';
import type { RepoLink } from '../store.js';
import { pipelined, transaction } from './connection.js';
import { idsIn, type FileTables, type StoredFile } from './file-tables.js';
import type { RedisKeys } from './keys.js';
import { lookUpFiles } from './scripts.js';

/** Entries per HMGET or HSET: large enough for few round trips, small enough to keep each command short. */
const CHUNK = 5000;
/** Chunks sent per round trip when staging, so that the client never holds the whole hash as commands. */
const CHUNKS_PER_TRIP = 20;
/** A staged copy whose writer died goes away by itself. */
const STAGING_TTL_MS = 3_600_000;
/** Times a write is planned again when other writers keep committing first. */
export const MAX_ATTEMPTS = 10;

/** One state of the index, read in one transaction. */
export interface IndexSnapshot extends FileTables {
  /** The value of files:version it is of; a commit checks it is still current. */
  version: string;
  /** The id the next new path gets. */
  nextId: number;
  /** Link path -> stored target. */
  links: Record<string, string>;
  /** The bits and diffs of the mirror asked for, from the same state. */
  holdings: [bits: Buffer | null, diffs: Buffer | null];
}

/** files:version as stored; a missing counter reads as '0', as the scripts read it. */
export const versionOf = (reply: unknown): string => (reply === null || reply === undefined ? '0' : String(reply));

/** The whole index (and the holdings of mirror `holdingsKey`, if given) as one state: a few large values, no scan. */
export const readIndex = async (client: Redis, keys: RedisKeys, holdingsKey?: string): Promise<IndexSnapshot> => {
  const [version, byId, digests, paths, links, holdings] = await transaction(client, (multi) => {
    multi.get(keys.filesVersion).getBuffer(keys.fileTable).getBuffer(keys.fileDigests).getBuffer(keys.filePaths).hgetall(keys.links);
    if (holdingsKey !== undefined) multi.hmgetBuffer(holdingsKey, 'bits', 'diffs');
  });
  const table = (byId as Buffer | null) ?? Buffer.alloc(0);
  return {
    version: versionOf(version),
    nextId: idsIn(table),
    byId: table,
    digests: (digests as Buffer | null) ?? Buffer.alloc(0),
    pathBytes: (paths as Buffer | null) ?? Buffer.alloc(0),
    links: links as Record<string, string>,
    holdings: (holdings as [Buffer | null, Buffer | null] | undefined) ?? [null, null],
  };
};

/** The ids of `paths` (undefined where not indexed), in the same order. */
export const idsOf = async (client: Redis, keys: RedisKeys, paths: readonly string[]): Promise<(number | undefined)[]> => {
  if (paths.length === 0) return [];
  const replies = await pipelined(client, (pipeline) => {
    for (let i = 0; i < paths.length; i += CHUNK) pipeline.hmget(keys.files, ...paths.slice(i, i + CHUNK));
  });
  return (replies as (string | null)[][]).flat().map((id) => (id === null ? undefined : Number(id)));
};

/** The files at `paths` (undefined where not indexed) and files:version, read together in one script. */
export const findFiles = async (client: Redis, keys: RedisKeys, paths: readonly string[]): Promise<{ version: string; found: (StoredFile | undefined)[] }> => {
  const reply = (await lookUpFiles.runBuffer(client, [keys.files, keys.fileTable, keys.fileDigests, keys.filesVersion], paths)) as Buffer[];
  const found = paths.map((_, i): StoredFile | undefined => {
    const id = reply[1 + 3 * i]!;
    const record = reply[2 + 3 * i]!;
    if (id.length === 0) return undefined;
    return { id: Number(id.toString()), size: record.readDoubleLE(0), mtimeMs: record.readDoubleLE(8), digests: reply[3 + 3 * i]!, slot: 0 };
  });
  return { version: reply[0]!.toString(), found };
};

/** Writes `count` entries (path and id of entry i given by `entry`) to a new hash `key`, which expires unless renamed and persisted. */
export const stage = async (client: Redis, key: string, count: number, entry: (i: number) => [path: string, id: number]): Promise<void> => {
  for (let trip = 0; trip < count; trip += CHUNK * CHUNKS_PER_TRIP) {
    await pipelined(client, (pipeline) => {
      for (let start = trip; start < Math.min(count, trip + CHUNK * CHUNKS_PER_TRIP); start += CHUNK) {
        const args: string[] = [];
        for (let i = start; i < Math.min(count, start + CHUNK); i++) {
          const [path, id] = entry(i);
          args.push(path, String(id));
        }
        pipeline.hset(key, ...args);
      }
      pipeline.pexpire(key, STAGING_TTL_MS);
    });
  }
};

/** A link's target as stored: JSON, so that null (a link leading outside the repository) reads back exactly. */
const encodeTarget = (link: RepoLink): string => JSON.stringify(link.target);

/** Stored links ordered by path. */
export const decodeLinks = (links: Record<string, string>): RepoLink[] =>
  Object.entries(links)
    .map(([path, target]) => ({ path, target: JSON.parse(target) as string | null }))
    .sort((a, b) => comparePaths(a.path, b.path));

/** Path, target… of `links` when they differ from the stored ones (the last of a repeated path wins), else undefined. */
export const changedLinks = (stored: Record<string, string>, links: readonly RepoLink[]): string[] | undefined => {
  const wanted = new Map(links.map((link) => [link.path, encodeTarget(link)]));
  const same = wanted.size === Object.keys(stored).length && [...wanted].every(([path, target]) => stored[path] === target);
  return same ? undefined : [...wanted].flat();
};
