// Messages between the primary process (store, background work, admin API) and the worker processes that serve
// requests when `Workers` > 1.
import type { Config } from '../config/config.js';
import type { Mirror } from '../mirrors/mirror.js';
import type { DownloadCount, StoreEvent } from '../store/store.js';

export type ToWorker =
  | { type: 'event'; event: StoreEvent }
  | { type: 'patch'; seq: number; id: number; patch: Partial<Mirror> }
  | { type: 'config'; config: Config }
  | { type: 'reopen-logs' }
  | { type: 'metrics'; seq: number }
  | { type: 'sync'; seq: number }
  | { type: 'stop' };

export type ToPrimary =
  | { type: 'ready'; pid: number; port: number }
  | { type: 'patched'; seq: number }
  | { type: 'synced'; seq: number }
  | { type: 'downloads'; batch: DownloadCount[] }
  | { type: 'metrics'; seq: number; json: unknown }
  | { type: 'log'; message: string }
  | { type: 'failed'; message: string };

export const isMessage = (value: unknown): value is { type: string } =>
  typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
