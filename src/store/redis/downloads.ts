// Download statistics in Redis: a checked batch becomes one script of hash increments (the day, its month, its
// year and the total at once), and the readers sum the daily hashes of the days asked.
//
// SQLite writes daily rows only and rolls finished days up into months, years and the total, to keep a flush
// cheap; here an increment costs the same whatever the period, so every period is counted as it is written.
// The answers are the same: pruning deletes daily counters only, and a late line counts in all its periods.
import type { Redis } from 'ioredis';
import { periodsOf } from '../../stats/day.js';
import type { DownloadCount, MirrorDownloads } from '../store.js';
import { transaction } from './connection.js';
import type { RedisKeys } from './keys.js';
import { addDownloads } from './scripts.js';

/** Sums each counter over the batch first: a flush repeats a day and path once per mirror, a day and mirror once per file. */
const fold = (keys: RedisKeys, batch: readonly DownloadCount[]): Map<string, Map<string, number>> => {
  const increments = new Map<string, Map<string, number>>();
  const add = (key: string, field: string, by: number): void => {
    let hash = increments.get(key);
    if (hash === undefined) increments.set(key, (hash = new Map()));
    hash.set(field, (hash.get(field) ?? 0) + by);
  };
  for (const { day, path, mirrorId, count, bytes } of batch) {
    for (const period of periodsOf(day)) {
      add(keys.fileStats(period), path, count);
      add(keys.mirrorStats(period), String(mirrorId), count);
      add(keys.mirrorBytes(period), String(mirrorId), bytes);
    }
  }
  return increments;
};

/** Writes a checked, non-empty batch in one script, so that readers see all of it or none. */
export const writeDownloads = async (client: Redis, keys: RedisKeys, batch: readonly DownloadCount[]): Promise<void> => {
  const days = [...new Set(batch.map((line) => line.day))];
  const args: string[] = [String(days.length), ...days];
  for (const [key, hash] of fold(keys, batch)) {
    // Sums of safe integers print as plain digits, which HINCRBY takes.
    for (const [field, by] of hash) args.push(key, field, String(by));
  }
  await addDownloads.run(client, [keys.statsDays], args);
};

const toNumber = (text: unknown): number => (text === null || text === undefined ? 0 : Number(text));

export const readFileDownloads = async (client: Redis, keys: RedisKeys, path: string, periods: readonly string[]): Promise<Record<string, number>> => {
  const replies = await transaction(client, (multi) => {
    for (const period of periods) multi.hget(keys.fileStats(period), path);
  });
  const counts: Record<string, number> = {};
  periods.forEach((period, i) => (counts[period] = toNumber(replies[i])));
  return counts;
};

/** The days from..to (inclusive) that have daily counters, in order; none when the range is crossed. */
const daysBetween = (client: Redis, keys: RedisKeys, from: string, to: string): Promise<string[]> =>
  from > to ? Promise.resolve([]) : client.zrangebylex(keys.statsDays, `[${from}`, `[${to}`);

export const readFilesBetween = async (client: Redis, keys: RedisKeys, from: string, to: string): Promise<Map<string, number>> => {
  const days = await daysBetween(client, keys, from, to);
  const replies = await transaction(client, (multi) => {
    for (const day of days) multi.hgetall(keys.fileStats(day));
  });
  const sums = new Map<string, number>();
  for (const hash of replies as Record<string, string>[]) {
    for (const [path, count] of Object.entries(hash)) sums.set(path, (sums.get(path) ?? 0) + Number(count));
  }
  return sums;
};

/** Per day asked, the downloads and bytes of each mirror. */
const mirrorDays = async (client: Redis, keys: RedisKeys, days: readonly string[]): Promise<{ day: string; mirrors: Map<number, MirrorDownloads> }[]> => {
  const replies = (await transaction(client, (multi) => {
    for (const day of days) multi.hgetall(keys.mirrorStats(day)).hgetall(keys.mirrorBytes(day));
  })) as Record<string, string>[];
  return days.map((day, i) => {
    const counts = replies[2 * i]!;
    const bytes = replies[2 * i + 1]!;
    const mirrors = new Map<number, MirrorDownloads>();
    for (const [id, count] of Object.entries(counts)) mirrors.set(Number(id), { count: Number(count), bytes: toNumber(bytes[id]) });
    return { day, mirrors };
  });
};

export const readMirrorsBetween = async (client: Redis, keys: RedisKeys, from: string, to: string): Promise<Map<number, MirrorDownloads>> => {
  const sums = new Map<number, MirrorDownloads>();
  for (const { mirrors } of await mirrorDays(client, keys, await daysBetween(client, keys, from, to))) {
    for (const [id, { count, bytes }] of mirrors) {
      const sum = sums.get(id) ?? { count: 0, bytes: 0 };
      sums.set(id, { count: sum.count + count, bytes: sum.bytes + bytes });
    }
  }
  return sums;
};

/** Any period: a day's counters are kept like a month's, under the period's own keys. */
export const readMirrorDownloads = async (client: Redis, keys: RedisKeys, period: string): Promise<Map<number, MirrorDownloads>> =>
  (await mirrorDays(client, keys, [period]))[0]!.mirrors;

/** Every download is counted for exactly one mirror (0 for fallbacks), so the mirror counters hold the daily totals. */
export const readDaily = async (client: Redis, keys: RedisKeys, from: string, to: string): Promise<{ day: string; count: number; bytes: number }[]> => {
  const out: { day: string; count: number; bytes: number }[] = [];
  for (const { day, mirrors } of await mirrorDays(client, keys, await daysBetween(client, keys, from, to))) {
    let count = 0;
    let bytes = 0;
    for (const sum of mirrors.values()) {
      count += sum.count;
      bytes += sum.bytes;
    }
    if (count > 0) out.push({ day, count, bytes });
  }
  return out;
};

/**
 * Deletes the daily counters of the days before `before` in one transaction, counting one per day and file plus
 * one per day and mirror. A day first written after the days were listed is left for the next prune.
 */
export const pruneDays = async (client: Redis, keys: RedisKeys, before: string): Promise<number> => {
  const days = await client.zrangebylex(keys.statsDays, '-', `(${before}`);
  if (days.length === 0) return 0;
  const replies = await transaction(client, (multi) => {
    for (const day of days) {
      multi.hlen(keys.fileStats(day)).hlen(keys.mirrorStats(day));
      multi.unlink(keys.fileStats(day), keys.mirrorStats(day), keys.mirrorBytes(day));
    }
    multi.zrem(keys.statsDays, ...days);
  });
  let deleted = 0;
  for (let i = 0; i < days.length; i++) deleted += Number(replies[3 * i]) + Number(replies[3 * i + 1]);
  return deleted;
};
