// The Lua scripts that make the store's writes atomic: Redis runs a script whole, with no other command in between.
// Each checks what it depends on (a mirror existing, a version counter unchanged since the caller read), then
// writes and publishes the event in the same step, so an event is published exactly when its write is committed.
// A script that fails half-way is not rolled back by Redis; these only fail on a broken server, a key of another type,
// or a statistics counter passing 2^63.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DIGEST_BYTES, RECORD_BYTES } from './file-tables.js';

type Arg = string | Buffer | number;

/** A script run by its SHA1, sent in full only when the server does not know it (after a restart, on a new server). */
class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** Replies as strings. Arguments go as one array: a spread of a million would overflow the call stack. */
  run(client: Redis, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    return this.#call(client, keys, args, false);
  }

  /** Replies as Buffers, for binary values. */
  runBuffer(client: Redis, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    return this.#call(client, keys, args, true);
  }

  async #call(client: Redis, keys: readonly string[], args: readonly Arg[], binary: boolean): Promise<unknown> {
    const send = (command: 'EVALSHA' | 'EVAL', script: string): Promise<unknown> => {
      const argv: Arg[] = [script, keys.length, ...keys, ...args];
      return binary ? client.callBuffer(command, argv) : client.call(command, argv);
    };
    try {
      return await send('EVALSHA', this.#sha);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      return send('EVAL', this.#source);
    }
  }
}

/** Names are unique ignoring the case of A-Z, as SQLite's NOCASE compares them (%u is A-Z in Redis's C locale). */
const FOLD = `local function fold(name) return (string.gsub(name, '%u', string.lower)) end\n`;

/** The counters are absent until first bumped; callers read a missing one as '0' too. */
const VERSION = `local function version(key) return redis.call('GET', key) or '0' end\n`;

/**
 * KEYS: names, last id. ARGV: mirror key prefix, event channel, event tag, name, then field, value… of the record.
 * Returns {'ok', id} or {'taken', owner's name}. The id is only known here, so the event is encoded here too.
 */
export const addMirror = new LuaScript(`${FOLD}
local folded = fold(ARGV[4])
local owner = redis.call('HGET', KEYS[1], folded)
if owner then return {'taken', redis.call('HGET', ARGV[1] .. owner, 'name') or ARGV[4]} end
local id = redis.call('INCR', KEYS[2])
redis.call('HSET', ARGV[1] .. id, unpack(ARGV, 5))
redis.call('HSET', KEYS[1], folded, id)
redis.call('PUBLISH', ARGV[2], cjson.encode({type = 'mirror', id = id, from = ARGV[3]}))
return {'ok', id}
`);

/**
 * KEYS: mirror, names. ARGV: id, mirror key prefix, event channel, event, then field, value… to set.
 * Writes and publishes only when a value differs. Returns {'ok', the record's field, value…, 1 if it changed},
 * {'not-found'} or {'taken', owner's name}; a refused rename writes nothing.
 */
export const updateMirror = new LuaScript(`${FOLD}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not-found'} end
local changes = {}
local newName
for i = 5, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1] then
    changes[#changes + 1] = ARGV[i]
    changes[#changes + 1] = ARGV[i + 1]
    if ARGV[i] == 'name' then newName = ARGV[i + 1] end
  end
end
if newName then
  local old, new = fold(redis.call('HGET', KEYS[1], 'name')), fold(newName)
  if new ~= old then
    local owner = redis.call('HGET', KEYS[2], new)
    if owner and owner ~= ARGV[1] then return {'taken', redis.call('HGET', ARGV[2] .. owner, 'name') or newName} end
    redis.call('HDEL', KEYS[2], old)
    redis.call('HSET', KEYS[2], new, ARGV[1])
  end
end
if #changes == 0 then return {'ok', redis.call('HGETALL', KEYS[1]), 0} end
redis.call('HSET', KEYS[1], unpack(changes))
redis.call('PUBLISH', ARGV[3], ARGV[4])
return {'ok', redis.call('HGETALL', KEYS[1]), 1}
`);

/** KEYS: mirror, names, holdings, log, holdings version. ARGV: event channel, event. Returns 1, or 0 for no such mirror. */
export const removeMirror = new LuaScript(`${FOLD}
local name = redis.call('HGET', KEYS[1], 'name')
if not name then return 0 end
redis.call('HDEL', KEYS[2], fold(name))
redis.call('DEL', KEYS[1], KEYS[4])
if redis.call('DEL', KEYS[3]) == 1 then redis.call('INCR', KEYS[5]) end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`);

/** KEYS: mirror, log. ARGV: entry, how many to keep. Returns 1, or 0 for no such mirror. */
export const appendLog = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
return 1
`);

/**
 * KEYS: files version, mirror, holdings, holdings version. ARGV: the files version the holdings were computed
 * against, bits, diffs, event channel, event. Returns {'same' | 'changed', old bits, old diffs}, {'retry'} when
 * the index changed meanwhile, or {'not-found'}.
 */
export const replaceHoldings = new LuaScript(`${VERSION}
if version(KEYS[1]) ~= ARGV[1] then return {'retry'} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'not-found'} end
local old = redis.call('HMGET', KEYS[3], 'bits', 'diffs')
local bits, diffs = old[1] or '', old[2] or ''
if bits == ARGV[2] and diffs == ARGV[3] then return {'same', bits, diffs} end
redis.call('HSET', KEYS[3], 'bits', ARGV[2], 'diffs', ARGV[3])
redis.call('INCR', KEYS[4])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return {'changed', bits, diffs}
`);

/**
 * Commits a change of the repository index, with the holdings that follow it.
 * KEYS: 1 files, 2 files version, 3 files by id, 4 digests, 5 paths, 6 links, 7 holdings version, 8 staging, then
 * the holdings to write.
 * ARGV: 1 expected files version, 2 expected holdings version ('' when no holdings are written), 3 entries staged
 * ('' when the files hash is changed in place), 4 entries to set, 5 paths to delete, 6 links (-1 to keep them),
 * 7 records to write (-1: both tables are given whole), 8 paths to append (NUL-terminated, in id order), 9 event
 * channel, 10 event; then path, id… to set, paths to delete, link path, target…, then id, 16-byte record,
 * 68-byte digests ('' to keep them)… or the two tables, and last bits, diffs… per holdings key.
 * Returns {'ok', files indexed}, {'retry-files'}, {'retry-holdings'}, or {'staging-lost'} when the staged copy
 * is not whole (it expired).
 */
export const commitIndex = new LuaScript(`${VERSION}
if version(KEYS[2]) ~= ARGV[1] then return {'retry-files'} end
if ARGV[2] ~= '' and version(KEYS[7]) ~= ARGV[2] then return {'retry-holdings'} end
if ARGV[3] ~= '' then
  local staged = tonumber(ARGV[3])
  if redis.call('HLEN', KEYS[8]) ~= staged then return {'staging-lost'} end
  -- UNLINK frees the old hash in the background: deleting a million fields inline would stall the server.
  redis.call('UNLINK', KEYS[1])
  if staged > 0 then
    redis.call('RENAME', KEYS[8], KEYS[1])
    -- The staging key's expiry came along with the rename.
    redis.call('PERSIST', KEYS[1])
  end
end
local at = 11
local sets, dels, links, records = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
for i = at, at + 2 * sets - 1, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
at = at + 2 * sets
for i = at, at + dels - 1 do redis.call('HDEL', KEYS[1], ARGV[i]) end
at = at + dels
if links >= 0 then
  redis.call('DEL', KEYS[6])
  for i = at, at + 2 * links - 1, 2 do redis.call('HSET', KEYS[6], ARGV[i], ARGV[i + 1]) end
  at = at + 2 * links
end
if records < 0 then
  redis.call('SET', KEYS[3], ARGV[at])
  redis.call('SET', KEYS[4], ARGV[at + 1])
  at = at + 2
else
  for i = at, at + 3 * records - 1, 3 do
    local id = tonumber(ARGV[i])
    redis.call('SETRANGE', KEYS[3], id * ${RECORD_BYTES}, ARGV[i + 1])
    if ARGV[i + 2] ~= '' then redis.call('SETRANGE', KEYS[4], id * ${DIGEST_BYTES}, ARGV[i + 2]) end
  end
  at = at + 3 * records
end
if ARGV[8] ~= '' then redis.call('APPEND', KEYS[5], ARGV[8]) end
for k = 9, #KEYS do
  redis.call('HSET', KEYS[k], 'bits', ARGV[at], 'diffs', ARGV[at + 1])
  at = at + 2
end
if #KEYS > 8 then redis.call('INCR', KEYS[7]) end
redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[9], ARGV[10])
return {'ok', redis.call('HLEN', KEYS[1])}
`);

/**
 * KEYS: files, files by id, digests, files version. ARGV: paths. Returns {files version, then id, record,
 * digests per path ('', '', '' where not indexed)}: one state of the index, in one round trip.
 */
export const lookUpFiles = new LuaScript(`${VERSION}
local out = {version(KEYS[4])}
for i = 1, #ARGV do
  local id = redis.call('HGET', KEYS[1], ARGV[i])
  if id then
    local n = tonumber(id)
    out[#out + 1] = id
    out[#out + 1] = redis.call('GETRANGE', KEYS[2], n * ${RECORD_BYTES}, n * ${RECORD_BYTES} + ${RECORD_BYTES - 1})
    out[#out + 1] = redis.call('GETRANGE', KEYS[3], n * ${DIGEST_BYTES}, n * ${DIGEST_BYTES} + ${DIGEST_BYTES - 1})
  else
    out[#out + 1] = ''
    out[#out + 1] = ''
    out[#out + 1] = ''
  end
end
return out
`);

/** KEYS: days. ARGV: number of days, the days, then key, field, increment… Returns 1. */
export const addDownloads = new LuaScript(`
local days = tonumber(ARGV[1])
for i = 2, days + 1 do redis.call('ZADD', KEYS[1], 0, ARGV[i]) end
for i = days + 2, #ARGV, 3 do redis.call('HINCRBY', ARGV[i], ARGV[i + 1], ARGV[i + 2]) end
return 1
`);
