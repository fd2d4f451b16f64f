// A worker process of `Workers` > 1: serves the redirector on the shared listening socket from its own catalog
// (read from the store, kept current by the primary's events and patches), and hands its download counts to the primary.
import { createServer } from 'node:http';
import type { Config } from '../config/config.js';
import { GeoIP } from '../geo/geoip.js';
import { parseListenAddress } from '../listen-address.js';
import { Catalog } from '../mirrors/catalog.js';
import { openStore } from '../store/open.js';
import { createRedirector } from './redirector.js';
import { applyConfig, createRuntime, geoOptions } from './runtime.js';
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
  // Events come from the primary (see WorkerPool), once each, whatever the store.
  await catalog.start({ followStore: false });
  const runtime = createRuntime({ config, geo, catalog, store, flushLagSeconds: () => 0, log: (message) => void send({ type: 'log', message }) });
  const { counter, metrics } = runtime;
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
      case 'config':
        applyConfig(runtime, message.config, (m) => void send({ type: 'log', message: m })).catch(
          (error: unknown) => void send({ type: 'log', message: `worker ${process.pid}: reload failed: ${(error as Error).message}` }),
        );
        break;
      case 'sync':
        // Events came before this message on the same channel, so they are queued: wait for them to be applied.
        void catalog.settled().then(() => send({ type: 'synced', seq: message.seq }));
        break;
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
