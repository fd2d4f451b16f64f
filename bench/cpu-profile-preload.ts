// Loaded with `--import` through NODE_OPTIONS (where --cpu-prof is not allowed) into every Node process of the
// daemon, worker processes included: SIGUSR2 starts the V8 profiler, the next SIGUSR2 (or the exit) stops it and
// writes <dir>/CPU.<pid>.cpuprofile, so that the profile covers the measured window and not the start-up.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.SIGNPOST_BENCH_PROFILE_DIR;

if (dir && isMainThread) {
  let session: Session | undefined;
  const start = (): void => {
    session = new Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 1000 });
    session.post('Profiler.start');
  };
  // The in-process session answers synchronously, so this also works in the 'exit' handler.
  const stop = (): void => {
    const current = session;
    if (!current) return;
    session = undefined;
    current.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
    current.disconnect();
  };
  process.on('SIGUSR2', () => (session ? stop() : start()));
  process.on('exit', stop);
}
