// `signpost daemon`: run in the foreground until SIGTERM/SIGINT; SIGHUP reloads.
import { Daemon, stderrLog } from '../daemon.js';

export const runDaemon = async (config: string | undefined): Promise<number> => {
  const daemon = await Daemon.start({ config });
  return serveUntilSignal(daemon);
};

export const serveUntilSignal = (daemon: Daemon, onStop?: () => Promise<void>): Promise<number> =>
  new Promise((resolve) => {
    const stop = (signal: string): void => {
      stderrLog(`${signal}: stopping`);
      daemon
        .stop()
        .then(() => onStop?.())
        .then(
          () => resolve(0),
          (error: unknown) => {
            stderrLog(`error while stopping: ${error instanceof Error ? error.message : String(error)}`);
            resolve(1);
          },
        );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      daemon.reload().catch(() => undefined); // reload() logs why it refused
    });
    process.on('SIGUSR1', () => {
      daemon.reopenLogs().catch((error: unknown) => stderrLog(`cannot reopen the download log: ${(error as Error).message}`));
    });
  });
