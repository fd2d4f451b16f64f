#!/usr/bin/env node
// The `signpost` executable: daemon and admin client in one (compiled code lives in dist/).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`signpost: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; },
);
