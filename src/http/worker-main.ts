// A worker process of `Workers` > 1: serves the redirector on the shared listening socket from its own catalog
// (read from the store, kept current by the primary's events and patches), and hands its download counts to the primary.
import { createServer } from 'node:http';
import type { Config } from '../config/config.js';
import { GeoIP } from '../geo/geoip.js';
import { CidrSet } from '../geo/ip.js';
import { parseListenAddress } from '../listen-address.js';
import { Catalog } from '../mirrors/catalog.js';
import { DownloadCounter } from '../stats/counter.js';
import { DownloadLog } from '../stats/download-log.js';
import { Metrics } from '../stats/metrics.js';
import { RangeDedup } from '../stats/range-dedup.js';
import { openStore } from '../store/open.js';
import { VERSION } from '../version.js';
import { PageRenderer } from './pages/renderer.js';
import { createRedirector } from './redirector.js';
import { geoOptions, mirrorsByState } from './runtime.js';
import type { Runtime } from './runtime.js';
import { isMessage } from './worker-messages.js';
import type { ToPrimary, ToWorker } from './worker-messages.js';

/** How often counts travel to the primary, which writes them every second. */
const HANDOFF_MS = 100;

const send = (message: ToPrimary): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });

const run = async (): Promise<void> => {
  const config = JSON.parse(process.env.SIGNPOST_WORKER_CONFIG ?? 'null') as Config | null;
  if (!config) throw new Error('SIGNPOST_WORKER_CONFIG is missing: worker processes are started by `signpost daemon`');
  const store = await openStore(config);
  const geo = await GeoIP.open(geoOptions(config));
  const catalog = new Catalog(store);
  await catalog.start();
  const counter = new DownloadCounter();
  const metrics = new Metrics({
    mirrorsByState: () => mirrorsByState(catalog),
    files: () => catalog.fileCount,
    flushLagSeconds: () => 0,
  });
  const runtime: Runtime = {
    config,
    geo,
    trustedProxies: new CidrSet(config.trustedProxies),
    catalog,
    version: VERSION,
    store,
    counter,
    dedup: new RangeDedup(config.sameDownloadInterval * 1000),
    metrics,
    downloadLog: config.logDir ? new DownloadLog(config.logDir) : undefined,
    pages: new PageRenderer(config.templates, (message) => void send({ type: 'log', message })),
  };
  const server = createServer(createRedirector(runtime));
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;

  const handoff = async (): Promise<void> => {
    const batch = counter.drain();
    if (batch.length > 0) await send({ type: 'downloads', batch });
  };
  const timer = setInterval(() => void handoff(), HANDOFF_MS);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= shutdown());
  const shutdown = async (): Promise<void> => {
    clearInterval(timer);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 10_000).unref();
    });
    await handoff();
    await runtime.downloadLog?.close();
    catalog.stop();
    geo.close();
    await store.close();
    process.disconnect?.();
  };

  process.on('message', (raw: unknown) => {
    if (!isMessage(raw)) return;
    const message = raw as ToWorker;
    switch (message.type) {
      case 'event':
        void catalog.applyEvent(message.event);
        break;
      case 'patch':
        catalog.patchMirror(message.id, message.patch);
        void send({ type: 'patched', seq: message.seq });
        break;
      case 'config': {
        const old = runtime.config;
        const next = message.config;
        void (async () => {
          if (JSON.stringify(geoOptions(old)) !== JSON.stringify(geoOptions(next))) {
            const fresh = await GeoIP.open(geoOptions(next));
            const previous = runtime.geo;
            runtime.geo = fresh;
            previous.close();
          } else {
            await runtime.geo.reopenIfChanged().catch(() => false);
          }
          if (old.sameDownloadInterval !== next.sameDownloadInterval) runtime.dedup = new RangeDedup(next.sameDownloadInterval * 1000);
          if (old.logDir !== next.logDir) {
            await runtime.downloadLog?.close();
            runtime.downloadLog = next.logDir ? new DownloadLog(next.logDir) : undefined;
          } else {
            await runtime.downloadLog?.reopen();
          }
          runtime.pages = new PageRenderer(next.templates, (m) => void send({ type: 'log', message: m }));
          runtime.trustedProxies = new CidrSet(next.trustedProxies);
          runtime.config = next;
        })().catch((error: unknown) => void send({ type: 'log', message: `worker ${process.pid}: reload failed: ${(error as Error).message}` }));
        break;
      }
      case 'reopen-logs':
        void runtime.downloadLog?.reopen();
        break;
      case 'metrics':
        void metrics.registry.getMetricsAsJSON().then((json) => send({ type: 'metrics', seq: message.seq, json }));
        break;
      case 'stop':
        void stop();
        break;
    }
  });
  // The primary decides when to stop; a signal reaching the whole process group is left to it.
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);
  process.on('SIGUSR1', () => undefined);
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));

  const target = parseListenAddress(config.listenAddress);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in target) server.listen(target.path, resolve);
    else server.listen(target.port, target.host, resolve);
  });
  const bound = server.address();
  await send({ type: 'ready', pid: process.pid, port: typeof bound === 'object' && bound ? bound.port : 0 });
};

run().catch(async (error: unknown) => {
  await send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
