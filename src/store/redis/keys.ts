// The Redis key layout of the store, in one place: every key the backend reads or writes is named here.
//
// All keys start with the store's prefix (default `signpost:`), so that several stores, or Mirrorbits, can share
// one Redis database. <id> is a mirror id, <period> a statistics period: YYYY-MM-DD, YYYY-MM, YYYY, or `all`.
//
//   layout                        string   REDIS_LAYOUT_VERSION the keys were written with; refused when newer
//   files                         hash     the repository index by path: path -> file id; ids are never reused
//   files:by-id                   string   binary, 16 bytes per id ever given: file i's size and mtime as
//                                          little-endian doubles at 16 * i, size -1 once it left the index; its
//                                          length / 16 is the id the next new path gets
//   files:digests                 string   binary, 68 bytes per id: sha1, sha256, md5 raw; zero where not computed
//   files:paths                   string   every id's path followed by NUL, in id order (append-only: an id's path
//                                          never changes); these three are described in file-tables.ts
//   files:version                 string   counter bumped by every commit of the index (files, its tables, links):
//                                          a writer's commit checks it is still the one it planned from
//   files:staging:<token>         hash     a replacement of `files` being written in chunks (expires after an
//                                          hour if its writer dies); renamed over `files` when committed
//   links                         hash     symlink path -> JSON of its target (a repository path, or null)
//   mirrors:last-id               string   the last mirror id given (INCR): ids are never reused
//   mirrors:names                 hash     mirror name with A-Z lower-cased -> id: case-insensitive uniqueness,
//                                          and the list of mirrors
//   mirror:<id>                   hash     the mirror record: field name -> value (see mirror-hash.ts)
//   mirror:<id>:holdings          hash     `bits`: bitset of exact copies; `diffs`: differing copies; both binary,
//                                          in the encodings of holdings.ts (absent: the mirror holds nothing)
//   mirror:<id>:log               list     JSON log entries, oldest first, at most MAX_LOG_ENTRIES
//   holdings:version              string   counter bumped by every write of any mirror's holdings (a scan, an
//                                          index change moving holdings along, a removal)
//   stats:days                    zset     the days that have daily counters, all with score 0 (lexical order)
//   stats:file:<period>           hash     path -> downloads of that file in the period
//   stats:mirror:<period>         hash     mirror id (0 = fallbacks) -> downloads it served in the period
//   stats:mirror-bytes:<period>   hash     mirror id -> bytes it served in the period
//   events                        channel  JSON StoreEvents, published by the write that caused them, each with
//                                          `from`: a tag naming the handle and write (see redis-store.ts)
//
// A write that must be one transaction is one Lua script (or MULTI/EXEC) checking the version counters it
// depends on; see redis-store.ts.

/** Version of the layout above; bump it, with a migration in redis-store.ts, whenever a key changes meaning. */
export const REDIS_LAYOUT_VERSION = 1;

export const DEFAULT_PREFIX = 'signpost:';

/** The period part of a statistics key: '' (all time) has a name of its own, so that it cannot end a key with ':'. */
const periodName = (period: string): string => (period === '' ? 'all' : period);

export const redisKeys = (prefix: string) => ({
  layout: `${prefix}layout`,
  files: `${prefix}files`,
  fileTable: `${prefix}files:by-id`,
  fileDigests: `${prefix}files:digests`,
  filePaths: `${prefix}files:paths`,
  filesVersion: `${prefix}files:version`,
  filesStaging: (token: string) => `${prefix}files:staging:${token}`,
  links: `${prefix}links`,
  mirrorLastId: `${prefix}mirrors:last-id`,
  mirrorNames: `${prefix}mirrors:names`,
  /** Scripts append an id to this to name a mirror's record. */
  mirrorPrefix: `${prefix}mirror:`,
  mirror: (id: number) => `${prefix}mirror:${id}`,
  holdings: (id: number) => `${prefix}mirror:${id}:holdings`,
  log: (id: number) => `${prefix}mirror:${id}:log`,
  holdingsVersion: `${prefix}holdings:version`,
  statsDays: `${prefix}stats:days`,
  fileStats: (period: string) => `${prefix}stats:file:${periodName(period)}`,
  mirrorStats: (period: string) => `${prefix}stats:mirror:${periodName(period)}`,
  mirrorBytes: (period: string) => `${prefix}stats:mirror-bytes:${periodName(period)}`,
  events: `${prefix}events`,
});

export type RedisKeys = ReturnType<typeof redisKeys>;
