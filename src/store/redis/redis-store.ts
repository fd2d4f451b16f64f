// The shared store: Redis (directly or through Sentinel), for several nodes at once. Every write is one Lua script
// that checks what it read is still current and publishes its event on commit; each handle listens on pub/sub.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Mirror, MirrorFile, MirrorSettings, MirrorState } from '../../mirrors/mirror.js';
import type { RepoFile } from '../../repo/file.js';
import { HoldingsBuilder, compareHoldings, decodeHoldings, emptyHoldings, encodeDiffs, followIndexChanges, forEachBit, type IndexChange } from '../holdings.js';
import { ListenerSet } from '../listeners.js';
import { comparePaths } from '../path-order.js';
import { checkBatch, checkDay, checkPeriod } from '../sqlite/downloads.js';
import {
  MAX_LOG_ENTRIES,
  NameTakenError,
  NotFoundError,
  StoreError,
  type DownloadCount,
  type FileColumns,
  type Holdings,
  type LogEntry,
  type MirrorCopies,
  type MirrorDownloads,
  type MirrorPatch,
  type ReplaceCounts,
  type RepoLink,
  type Store,
  type StoreEvent,
} from '../store.js';
import { connect, describeTarget, pipelined, redisError, transaction, type RedisTarget } from './connection.js';
import { pruneDays, readDaily, readFileDownloads, readFilesBetween, readMirrorDownloads, readMirrorsBetween, writeDownloads } from './downloads.js';
import { MAX_ATTEMPTS, changedLinks, decodeLinks, findFiles, idsOf, readIndex, stage, versionOf, type IndexSnapshot } from './file-index.js';
import { RECORD_BYTES, fileAt, hexDigests, idsIn, recordAt, splitPaths, toColumns } from './file-tables.js';
import { IndexPlan } from './index-plan.js';
import { DEFAULT_PREFIX, REDIS_LAYOUT_VERSION, redisKeys, type RedisKeys } from './keys.js';
import { decodeMirror, encodeMirror, encodePatch, pairsToHash } from './mirror-hash.js';
import * as scripts from './scripts.js';

export interface RedisStoreOptions {
  /** host:port, [v6]:port, or the path of a unix socket; unused with Sentinel. */
  address: string;
  password: string;
  db: number;
  /** Non-empty: the master of this name, as the Sentinels tell. */
  sentinelMasterName: string;
  sentinels: string[];
  /** Key prefix, so that several stores can share a database; default 'signpost:'. */
  prefix?: string;
  /** Where connection trouble is reported (it also fails the calls made meanwhile); default a process warning. */
  log?: (message: string) => void;
}

/**
 * Changes up to this many travel in the commit script, which must stay short as it blocks the server. Beyond it,
 * a `files` hash gaining or losing more paths is written anew in chunks under another key and renamed over the old
 * one; more changed records send both tables whole (a plain copy).
 */
const IN_PLACE_LIMIT = 10_000;

/** How long close() waits for replies still due before cutting the connections. */
const CLOSE_GRACE_MS = 1000;
/** How long a write waits to hear its own event back before returning without (the event connection is down). */
const ECHO_TIMEOUT_MS = 2000;

/** An event as published: tagged with the write it came from, so that the writing handle knows when it has heard it. */
const eventText = (event: StoreEvent, from: string): string => JSON.stringify({ ...event, from });

const isEvent = (value: unknown): value is StoreEvent & { from: unknown } => {
  const event = value as StoreEvent | null;
  if (typeof event !== 'object' || event === null) return false;
  return event.type === 'files' || ((event.type === 'mirror' || event.type === 'mirror-files') && Number.isInteger(event.id));
};

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** One item per path, the last given winning (the input itself when no path repeats); order is not kept, nothing here needs it. */
const lastOfEachPath = <T extends { path: string }>(items: readonly T[]): readonly T[] => {
  const byPath = new Map<string, T>();
  for (const item of items) byPath.set(item.path, item);
  return byPath.size === items.length ? items : [...byPath.values()];
};

/** Holdings as stored (HMGET of bits and diffs); empty for a mirror that has none. */
const holdingsOf = ([bits, diffs]: (Buffer | null | undefined)[]): Holdings =>
  !bits && !diffs ? emptyHoldings() : decodeHoldings(bits ?? Buffer.alloc(0), diffs ?? Buffer.alloc(0));

class RedisStore implements Store {
  readonly backend = 'redis';
  readonly #client: Redis;
  readonly #subscriber: Redis;
  readonly #keys: RedisKeys;
  readonly #where: string;
  readonly #log: (message: string) => void;
  readonly #listeners = new ListenerSet();
  /** Tags this handle's events: `${origin}:${n}` for its n-th write. */
  readonly #origin = randomUUID();
  #writes = 0;
  /** Writes waiting to hear their event back, by tag. */
  readonly #echoes = new Map<string, () => void>();
  #closed = false;

  constructor(client: Redis, subscriber: Redis, keys: RedisKeys, where: string, log: (message: string) => void) {
    this.#client = client;
    this.#subscriber = subscriber;
    this.#keys = keys;
    this.#where = where;
    this.#log = log;
    subscriber.on('message', (_channel: string, message: string) => this.#receive(message));
    // The first 'ready' came before the store was made: any later one is a reconnection.
    subscriber.on('ready', () => void this.#catchUp());
  }

  /**
   * Pub/sub keeps nothing for a subscriber that is away: after the event connection comes back, the listeners are
   * told that anything may have changed, as events a catalog already acts on: every mirror id ever given (ids are
   * never reused, so removals are covered), then the index with all holdings.
   */
  async #catchUp(): Promise<void> {
    try {
      // Subscribing again waits for the subscription ioredis renews by itself: nothing published after is missed.
      await this.#subscriber.subscribe(this.#keys.events);
      // The command connection may be coming back too.
      while (this.#client.status !== 'ready') {
        if (this.#closed) return;
        await delay(100);
      }
      const last = Number((await this.#client.get(this.#keys.mirrorLastId)) ?? 0);
      if (this.#closed) return;
      this.#log(`${this.#where}: events may have been missed while disconnected; telling listeners to reload everything`);
      for (let id = 1; id <= last; id++) this.#listeners.emit({ type: 'mirror', id });
      this.#listeners.emit({ type: 'files' });
    } catch (err) {
      if (!this.#closed) this.#log(`${this.#where}: could not catch up on missed events: ${String(err)}`);
    }
  }

  /** Every handle hears every write here, its own included: local listeners are only ever called from pub/sub. */
  #receive(message: string): void {
    if (this.#closed) return;
    let event: unknown;
    try {
      event = JSON.parse(message);
    } catch {
      return;
    }
    if (!isEvent(event)) return;
    this.#listeners.emit(event.type === 'files' ? { type: 'files' } : { type: event.type, id: Number(event.id) });
    this.#echoes.get(String(event.from))?.();
  }

  /** Runs `work` on the command connection, turning every failure into a StoreError naming the server. */
  async #run<T>(work: (client: Redis) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError(`${this.#where}: the store is closed`);
    try {
      return await work(this.#client);
    } catch (err) {
      throw redisError(this.#where, err);
    }
  }

  /**
   * Runs a write whose script publishes its event tagged `from` when it changed something (`published`). Such a
   * write returns only once this handle's listeners have heard the event, as with SQLite: a listener subscribed
   * after a write returned never hears of it, and one subscribed before has heard of it when the write returns.
   */
  async #write<T>(work: (client: Redis, from: string) => Promise<{ value: T; published: boolean }>): Promise<T> {
    return this.#run(async (client) => {
      const from = `${this.#origin}:${++this.#writes}`;
      let timer: NodeJS.Timeout | undefined;
      // Listened for before the write, as the event can arrive before the script's reply; timed from the reply on.
      let give = (_heard: boolean): void => {};
      const heard = new Promise<boolean>((resolve) => (give = resolve));
      this.#echoes.set(from, () => give(true));
      try {
        const { value, published } = await work(client, from);
        if (!published) return value;
        timer = setTimeout(() => give(false), ECHO_TIMEOUT_MS);
        if (!(await heard) && !this.#closed) {
          this.#log(`${this.#where}: the event of a write was not heard back within ${ECHO_TIMEOUT_MS} ms; listeners may have missed it`);
        }
        return value;
      } finally {
        clearTimeout(timer);
        this.#echoes.delete(from);
      }
    });
  }

  async ping(): Promise<void> {
    await this.#run((client) => client.ping());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Writes waiting for their event return now: this handle's listeners hear nothing more anyway.
    for (const release of this.#echoes.values()) release();
    const connections = [this.#client, this.#subscriber];
    let timer: NodeJS.Timeout | undefined;
    // QUIT lets replies still due arrive; a server that does not answer is cut off after the grace period.
    await Promise.race([
      Promise.allSettled(connections.map((c) => c.quit())),
      new Promise((done) => (timer = setTimeout(done, CLOSE_GRACE_MS))),
    ]);
    clearTimeout(timer);
    for (const connection of connections) connection.disconnect();
  }

  async schemaVersion(): Promise<number> {
    return this.#run(async (client) => Number(await client.get(this.#keys.layout)));
  }

  async listFiles(): Promise<RepoFile[]> {
    return this.#run(async (client) => {
      const snapshot = await readIndex(client, this.#keys);
      const paths = splitPaths(snapshot);
      const files: RepoFile[] = [];
      for (let id = 0; id < snapshot.nextId; id++) {
        const file = fileAt(snapshot, paths, id);
        if (file !== undefined) files.push(file);
      }
      return files.sort((a, b) => comparePaths(a.path, b.path));
    });
  }

  async getFile(path: string): Promise<RepoFile | undefined> {
    return this.#run(async (client) => {
      const [found] = (await findFiles(client, this.#keys, [path])).found;
      return found === undefined ? undefined : { path, size: found.size, mtimeMs: found.mtimeMs, ...hexDigests(found.digests, 0) };
    });
  }

  async readFileColumns(): Promise<FileColumns> {
    return this.#run(async (client) => toColumns(await readIndex(client, this.#keys)));
  }

  async listLinks(): Promise<RepoLink[]> {
    return this.#run(async (client) => decodeLinks(await client.hgetall(this.#keys.links)));
  }

  /**
   * Every mirror's holdings moved along `changes`, as keys and bits, diffs… to write, with the holdings:version
   * they were read at ('' when there is nothing to move: then no holdings are checked or written).
   */
  async #followHoldings(client: Redis, changes: readonly IndexChange[]): Promise<{ version: string; keys: string[]; values: Buffer[] }> {
    const out = { version: '', keys: [] as string[], values: [] as Buffer[] };
    if (changes.length === 0) return out;
    const [version, ids] = await transaction(client, (multi) => multi.get(this.#keys.holdingsVersion).hvals(this.#keys.mirrorNames));
    out.version = versionOf(version);
    const keys = (ids as string[]).map((id) => this.#keys.holdings(Number(id)));
    const stored = (await pipelined(client, (pipeline) => {
      for (const key of keys) pipeline.hmgetBuffer(key, 'bits', 'diffs');
    })) as (Buffer | null)[][];
    stored.forEach((holdings, i) => {
      const after = followIndexChanges(holdingsOf(holdings), changes);
      if (after === undefined) return;
      out.keys.push(keys[i]!);
      out.values.push(asBuffer(after.bits), encodeDiffs(after));
    });
    return out;
  }

  /**
   * Commits `plan` (with the `files` hash staged under `staged`, and both tables given whole as `tables`, when
   * they are many changes) and the holdings that follow it, publishing a files event tagged `from`. Returns the
   * number of files indexed after, or undefined when the index changed since the plan's snapshot (the caller
   * plans again). A scan committing holdings meanwhile only makes the holdings be moved again.
   */
  async #commitIndex(client: Redis, plan: IndexPlan, from: string, staged?: string, tables?: [Buffer, Buffer]): Promise<number | undefined> {
    const keys = this.#keys;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const follow = await this.#followHoldings(client, plan.changes);
      const reply = (await scripts.commitIndex.run(
        client,
        [keys.files, keys.filesVersion, keys.fileTable, keys.fileDigests, keys.filePaths, keys.links, keys.holdingsVersion, staged ?? keys.files, ...follow.keys],
        [
          plan.version,
          follow.version,
          staged === undefined ? '' : String(plan.keptIds.length),
          String(staged === undefined ? plan.pathSets.length / 2 : 0),
          String(staged === undefined ? plan.pathDeletes.length : 0),
          String(plan.links === undefined ? -1 : plan.links.length / 2),
          String(tables === undefined ? plan.recordWrites : -1),
          plan.appendedPaths(),
          keys.events,
          eventText({ type: 'files' }, from),
          ...(staged === undefined ? [...plan.pathSets, ...plan.pathDeletes] : []),
          ...(plan.links ?? []),
          ...(tables ?? plan.recordArgs()),
          ...follow.values,
        ],
      )) as [string, number?];
      switch (reply[0]) {
        case 'ok':
          return reply[1]!;
        case 'retry-files':
          return undefined;
        case 'retry-holdings':
          continue;
        default:
          throw new StoreError(`the staged copy of the repository index (${staged}) expired before it was committed`);
      }
    }
    throw new StoreError(`mirror holdings changed ${MAX_ATTEMPTS} times while the repository index was being written; try again`);
  }

  /**
   * Replaces the index with what `target` makes of a snapshot of it: the `files` hash and the tables are changed in
   * place when the changes are few, and written anew when they are many. Planned again from a new snapshot when
   * another writer got in between.
   */
  async #replaceIndex(
    client: Redis,
    target: (snapshot: IndexSnapshot, paths: readonly string[]) => readonly RepoFile[],
    links: readonly RepoLink[],
    from: string,
  ): Promise<{ value: ReplaceCounts; published: boolean }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const snapshot = await readIndex(client, this.#keys);
      const paths = splitPaths(snapshot);
      const files = target(snapshot, paths);
      // Where each path's last entry is; an entry is taken when the index has its path, the rest are new.
      const wanted = new Map<string, number>();
      files.forEach((file, i) => wanted.set(file.path, i));
      const taken = new Uint8Array(files.length);
      const plan = new IndexPlan(snapshot.version, snapshot.nextId, wanted.size, changedLinks(snapshot.links, links));
      for (let id = 0; id < snapshot.nextId; id++) {
        const record = recordAt(snapshot.byId, id);
        if (record === undefined) continue;
        const path = paths[id]!;
        const i = wanted.get(path);
        if (i === undefined) plan.removal(path, id);
        else {
          plan.file(files[i]!, { id, ...record, digests: snapshot.digests, slot: id });
          taken[i] = 1;
        }
      }
      files.forEach((file, i) => {
        if (taken[i] === 0 && wanted.get(file.path) === i) plan.file(file, undefined);
      });
      const counts = { ...plan.counts, total: plan.keptIds.length };
      if (!plan.changesAnything) return { value: counts, published: false };
      const staged = plan.pathWrites > IN_PLACE_LIMIT ? this.#keys.filesStaging(randomUUID()) : undefined;
      if (staged !== undefined) await stage(client, staged, plan.keptIds.length, (i) => [plan.keptPaths[i]!, plan.keptIds[i]!]);
      const tables = plan.recordWrites > IN_PLACE_LIMIT ? plan.tables(snapshot.byId, snapshot.digests) : undefined;
      let committed = false;
      try {
        committed = (await this.#commitIndex(client, plan, from, staged, tables)) !== undefined;
      } finally {
        // A committed copy was renamed over the hash; any other is dropped now rather than left to expire.
        if (staged !== undefined && !committed) await client.unlink(staged).catch(() => undefined);
      }
      if (committed) return { value: counts, published: true };
    }
    throw new StoreError(`the repository index changed ${MAX_ATTEMPTS} times while being replaced; try again`);
  }

  async replaceFiles(files: readonly RepoFile[], links: readonly RepoLink[]): Promise<ReplaceCounts> {
    return this.#write((client, from) => this.#replaceIndex(client, () => files, links, from));
  }

  /** Looks up only the paths named, so that a rescan finding a few changes among a million files reads a few entries. */
  async updateFiles(upserts: readonly RepoFile[], removed: readonly string[], links: readonly RepoLink[]): Promise<ReplaceCounts> {
    const wanted = lastOfEachPath(upserts);
    const upserted = new Set(wanted.map((file) => file.path));
    const dropped = [...new Set(removed)].filter((path) => !upserted.has(path));
    return this.#write(async (client, from) => {
      if (wanted.length + dropped.length > IN_PLACE_LIMIT) {
        return this.#replaceIndex(client, (snapshot, paths) => applyUpdate(snapshot, paths, wanted, dropped), links, from);
      }
      const keys = this.#keys;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const [before, tableBytes, total, storedLinks] = await transaction(client, (multi) =>
          multi.get(keys.filesVersion).strlen(keys.fileTable).hlen(keys.files).hgetall(keys.links),
        );
        const { version, found } = await findFiles(client, keys, [...wanted.map((file) => file.path), ...dropped]);
        // Both reads are of one state of the index only if no commit came between them.
        if (version !== versionOf(before)) continue;
        const plan = new IndexPlan(version, Math.floor(Number(tableBytes) / RECORD_BYTES), wanted.length, changedLinks(storedLinks as Record<string, string>, links));
        wanted.forEach((file, i) => plan.file(file, found[i]));
        dropped.forEach((path, i) => {
          const stored = found[wanted.length + i];
          if (stored !== undefined) plan.removal(path, stored.id);
        });
        if (!plan.changesAnything) return { value: { ...plan.counts, total: Number(total) }, published: false };
        const after = await this.#commitIndex(client, plan, from);
        if (after !== undefined) return { value: { ...plan.counts, total: after }, published: true };
      }
      throw new StoreError(`the repository index changed ${MAX_ATTEMPTS} times while being updated; try again`);
    });
  }

  async listMirrors(): Promise<Mirror[]> {
    return this.#run(async (client) => {
      const ids = (await client.hvals(this.#keys.mirrorNames)).map(Number).sort((a, b) => a - b);
      const hashes = await pipelined(client, (pipeline) => {
        for (const id of ids) pipeline.hgetall(this.#keys.mirror(id));
      });
      // A mirror removed between the two reads has an empty hash, and is left out.
      return ids.flatMap((id, i) => decodeMirror(id, hashes[i] as Record<string, string>) ?? []);
    });
  }

  async getMirror(id: number): Promise<Mirror | undefined> {
    return this.#run(async (client) => decodeMirror(id, await client.hgetall(this.#keys.mirror(id))));
  }

  async addMirror(settings: MirrorSettings, state: MirrorState): Promise<Mirror> {
    const fields = encodeMirror({ ...settings, ...state });
    return this.#write(async (client, from) => {
      const keys = this.#keys;
      const [status, value] = (await scripts.addMirror.run(
        client,
        [keys.mirrorNames, keys.mirrorLastId],
        [keys.mirrorPrefix, keys.events, from, settings.name, ...fields],
      )) as [string, number | string];
      if (status === 'taken') throw new NameTakenError(`a mirror named "${value}" already exists`);
      // The record as stored, without reading it back.
      return { value: decodeMirror(Number(value), pairsToHash(fields))!, published: true };
    });
  }

  async updateMirror(id: number, patch: MirrorPatch): Promise<Mirror> {
    const fields = encodePatch(patch);
    return this.#write(async (client, from) => {
      const keys = this.#keys;
      const [status, value, changed] = (await scripts.updateMirror.run(
        client,
        [keys.mirror(id), keys.mirrorNames],
        [String(id), keys.mirrorPrefix, keys.events, eventText({ type: 'mirror', id }, from), ...fields],
      )) as [string, string[] | string | undefined, number | undefined];
      if (status === 'not-found') throw new NotFoundError(`no mirror with id ${id}`);
      if (status === 'taken') throw new NameTakenError(`a mirror named "${String(value)}" already exists`);
      return { value: decodeMirror(id, pairsToHash(value as string[]))!, published: changed === 1 };
    });
  }

  async removeMirror(id: number): Promise<void> {
    await this.#write(async (client, from) => {
      const keys = this.#keys;
      const removed = await scripts.removeMirror.run(
        client,
        [keys.mirror(id), keys.mirrorNames, keys.holdings(id), keys.log(id), keys.holdingsVersion],
        [keys.events, eventText({ type: 'mirror', id }, from)],
      );
      if (removed !== 1) throw new NotFoundError(`no mirror with id ${id}`);
      return { value: undefined, published: true };
    });
  }

  async listMirrorFiles(id: number): Promise<MirrorFile[]> {
    return this.#run(async (client) => {
      // The holdings read with the index they are of: their ids are that index's.
      const snapshot = await readIndex(client, this.#keys, this.#keys.holdings(id));
      const holdings = holdingsOf(snapshot.holdings);
      const paths = splitPaths(snapshot);
      const out: MirrorFile[] = [];
      forEachBit(holdings.bits, (fileId) => {
        const indexed = recordAt(snapshot.byId, fileId);
        if (indexed !== undefined) out.push({ path: paths[fileId]!, ...indexed });
      });
      holdings.diffIds.forEach((fileId, i) => {
        if (recordAt(snapshot.byId, fileId) !== undefined) out.push({ path: paths[fileId]!, size: holdings.diffSizes[i]!, mtimeMs: holdings.diffMtimes[i]! });
      });
      return out.sort((a, b) => comparePaths(a.path, b.path));
    });
  }

  async getHoldings(id: number): Promise<Holdings> {
    return this.#run(async (client) => holdingsOf(await client.hmgetBuffer(this.#keys.holdings(id), 'bits', 'diffs')));
  }

  /**
   * Replaces a mirror's holdings with those `build` makes from the index at files:version `version`, if the index
   * is still at that version when they are committed; built again otherwise.
   */
  async #replaceHoldings(id: number, build: (client: Redis) => Promise<{ version: string; holdings: Holdings }>): Promise<ReplaceCounts> {
    return this.#write(async (client, from) => {
      const keys = this.#keys;
      // Checked first so that an unknown mirror costs no reading of the index; the commit checks again.
      if ((await client.exists(keys.mirror(id))) === 0) throw new NotFoundError(`no mirror with id ${id}`);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const { version, holdings } = await build(client);
        const [status, bits, diffs] = (await scripts.replaceHoldings.runBuffer(
          client,
          [keys.filesVersion, keys.mirror(id), keys.holdings(id), keys.holdingsVersion],
          [version, asBuffer(holdings.bits), encodeDiffs(holdings), keys.events, eventText({ type: 'mirror-files', id }, from)],
        )) as [Buffer, Buffer?, Buffer?];
        switch (status.toString()) {
          case 'retry':
            continue;
          case 'not-found':
            throw new NotFoundError(`no mirror with id ${id}`);
          default:
            return { value: compareHoldings(decodeHoldings(bits!, diffs!), holdings), published: status.toString() === 'changed' };
        }
      }
      throw new StoreError(`the repository index changed ${MAX_ATTEMPTS} times while the files of mirror ${id} were being replaced; try again`);
    });
  }

  /** Looks up the listed paths only: a scan of a small mirror reads a small part of a large index. */
  async replaceMirrorFiles(id: number, files: readonly MirrorFile[]): Promise<ReplaceCounts> {
    const listed = lastOfEachPath(files);
    return this.#replaceHoldings(id, async (client) => {
      const [version, stored] = await transaction(client, (multi) => multi.get(this.#keys.filesVersion).getBuffer(this.#keys.fileTable));
      const byId = (stored as Buffer | null) ?? Buffer.alloc(0);
      // Read after the version: if the commit finds it unchanged, these ids are still those of the index.
      const ids = await idsOf(
        client,
        this.#keys,
        listed.map((copy) => copy.path),
      );
      const edit = new HoldingsBuilder(undefined, idsIn(byId));
      listed.forEach((copy, i) => {
        const fileId = ids[i];
        const indexed = fileId === undefined ? undefined : recordAt(byId, fileId);
        if (indexed === undefined) return;
        if (copy.size === indexed.size && copy.mtimeMs === indexed.mtimeMs) edit.setExact(fileId!);
        else edit.setDiffering(fileId!, copy.size, copy.mtimeMs);
      });
      return { version: versionOf(version), holdings: edit.build() };
    });
  }

  /** Reads the index by id in one piece (16 bytes per id), so a listing of a million copies costs one GET. */
  async replaceMirrorCopies(id: number, copies: MirrorCopies): Promise<ReplaceCounts> {
    return this.#replaceHoldings(id, async (client) => {
      const [version, stored] = await transaction(client, (multi) => multi.get(this.#keys.filesVersion).getBuffer(this.#keys.fileTable));
      const table = (stored as Buffer | null) ?? Buffer.alloc(0);
      const next = idsIn(table);
      // Where each id's last entry is, without sorting the copies or a Map of a million entries.
      const at = new Int32Array(next).fill(-1);
      for (let i = 0; i < copies.length; i++) {
        const fileId = copies.ids[i]!;
        if (fileId < next) at[fileId] = i;
      }
      const edit = new HoldingsBuilder(undefined, next);
      for (let fileId = 0; fileId < next; fileId++) {
        const i = at[fileId]!;
        const indexed = i < 0 ? undefined : recordAt(table, fileId);
        if (indexed === undefined) continue;
        if (copies.sizes[i] === indexed.size && copies.mtimes[i] === indexed.mtimeMs) edit.setExact(fileId);
        else edit.setDiffering(fileId, copies.sizes[i]!, copies.mtimes[i]!);
      }
      return { version: versionOf(version), holdings: edit.build() };
    });
  }

  async appendLog(id: number, entry: LogEntry): Promise<void> {
    await this.#run(async (client) => {
      const text = JSON.stringify({ time: entry.time, kind: entry.kind, message: entry.message });
      const appended = await scripts.appendLog.run(client, [this.#keys.mirror(id), this.#keys.log(id)], [text, MAX_LOG_ENTRIES]);
      if (appended !== 1) throw new NotFoundError(`no mirror with id ${id}`);
    });
  }

  async listLogs(id: number, limit: number): Promise<LogEntry[]> {
    // Clamped so that Infinity or a fraction never reaches LRANGE; 0 would mean the whole list there.
    const wanted = Math.min(Math.floor(limit), MAX_LOG_ENTRIES);
    return this.#run(async (client) => {
      if (!(wanted > 0)) return [];
      return (await client.lrange(this.#keys.log(id), -wanted, -1)).map((text) => JSON.parse(text) as LogEntry);
    });
  }

  async addDownloads(batch: readonly DownloadCount[]): Promise<void> {
    await this.#run(async (client) => {
      checkBatch(batch);
      if (batch.length > 0) await writeDownloads(client, this.#keys, batch);
    });
  }

  async fileDownloads(path: string, periods: readonly string[]): Promise<Record<string, number>> {
    return this.#run(async (client) => {
      for (const period of periods) checkPeriod(period);
      return readFileDownloads(client, this.#keys, path, periods);
    });
  }

  async fileDownloadsBetween(from: string, to: string): Promise<Map<string, number>> {
    return this.#run(async (client) => {
      checkDay(from, 'from');
      checkDay(to, 'to');
      return readFilesBetween(client, this.#keys, from, to);
    });
  }

  async mirrorDownloadsBetween(from: string, to: string): Promise<Map<number, MirrorDownloads>> {
    return this.#run(async (client) => {
      checkDay(from, 'from');
      checkDay(to, 'to');
      return readMirrorsBetween(client, this.#keys, from, to);
    });
  }

  async mirrorDownloads(period: string): Promise<Map<number, MirrorDownloads>> {
    return this.#run(async (client) => {
      checkPeriod(period);
      return readMirrorDownloads(client, this.#keys, period);
    });
  }

  async dailyDownloads(from: string, to: string): Promise<{ day: string; count: number; bytes: number }[]> {
    return this.#run(async (client) => {
      checkDay(from, 'from');
      checkDay(to, 'to');
      return readDaily(client, this.#keys, from, to);
    });
  }

  async pruneDailyDownloads(before: string): Promise<number> {
    return this.#run(async (client) => {
      checkDay(before, 'before');
      return pruneDays(client, this.#keys, before);
    });
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    if (this.#closed) return () => {};
    return this.#listeners.add(listener);
  }
}

/** The index after updateFiles' changes, as a whole (for an update too large to make in place). */
const applyUpdate = (snapshot: IndexSnapshot, paths: readonly string[], upserts: readonly RepoFile[], removed: readonly string[]): RepoFile[] => {
  const files = new Map<string, RepoFile>();
  for (let id = 0; id < snapshot.nextId; id++) {
    const file = fileAt(snapshot, paths, id);
    if (file !== undefined) files.set(file.path, file);
  }
  for (const path of removed) files.delete(path);
  for (const file of upserts) files.set(file.path, file);
  return [...files.values()];
};

/** Records the layout version in an empty store; refuses a store whose layout is newer than this code, or unreadable. */
const checkLayout = async (client: Redis, keys: RedisKeys, where: string): Promise<void> => {
  await client.set(keys.layout, String(REDIS_LAYOUT_VERSION), 'NX');
  const text = await client.get(keys.layout);
  const version = Number(text);
  if (!Number.isInteger(version) || version < 1) {
    throw new StoreError(`${where}: the key layout version recorded under ${keys.layout} (${text ?? 'none'}) is not valid`);
  }
  if (version > REDIS_LAYOUT_VERSION) {
    throw new StoreError(
      `${where}: key layout version ${version} (${keys.layout}) is newer than this Signpost understands (${REDIS_LAYOUT_VERSION}); upgrade Signpost`,
    );
  }
};

/**
 * Connects to Redis (a command connection and an event connection), records or checks the key layout version,
 * and listens for events. Throws a StoreError naming the server when it cannot be used.
 */
export const openRedisStore = async (options: RedisStoreOptions): Promise<Store> => {
  const target: RedisTarget = options;
  const where = describeTarget(target);
  const log = options.log ?? ((message: string) => process.emitWarning(message, 'RedisStoreWarning'));
  const keys = redisKeys(options.prefix ?? DEFAULT_PREFIX);
  const client = await connect(target, 'command', log);
  let subscriber: Redis | undefined;
  try {
    await checkLayout(client, keys, where);
    subscriber = await connect(target, 'event', log);
    const store = new RedisStore(client, subscriber, keys, where, log);
    // Subscribed before the store is handed out, so that no event of a write made through it can be missed.
    await subscriber.subscribe(keys.events);
    return store;
  } catch (err) {
    client.disconnect();
    subscriber?.disconnect();
    throw redisError(where, err);
  }
};
