// The `signpost` command: global options, command dispatch, exit codes (0 ok, 1 failed, 2 usage).
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config/errors.js';
import { VERSION } from '../version.js';
import { call, CliError, connection } from './client.js';
import { runDaemon } from './daemon.js';
import { runDemo } from './demo.js';
import { mirrorFields, mirrorOptions } from './mirror-options.js';
import { addMirror, editMirror, listMirrors, removeMirror, setEnabled, showLogs, showMirror } from './mirrors.js';
import { listNodes } from './nodes.js';
import { refresh, scan } from './scan.js';
import { exportCommand, stats } from './stats.js';

const USAGE = `usage: signpost COMMAND [options]

  daemon   [--config FILE]                       run the redirector
  demo     [--port N]                            a self-contained demo on loopback
  add      NAME --http URL [mirror options]      add a mirror (disabled unless --enable)
  edit     NAME [mirror options]                 change fields (no flags: opens $EDITOR)
  show     NAME [--json]
  list     [--json] [--state] [--enabled|--disabled|--down]
  enable   NAME            disable NAME
  remove   NAME [--force]
  scan     NAME|--all [--enable] [--protocol rsync|ftp|http] [--json]
  refresh  [--rehash] [--json]                   rescan the local repository now
  logs     NAME [-n N]                           a mirror's event log
  stats    file PATTERN | mirror NAME [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]
  export   [--format mirmon|json|csv]            the mirror list for other tools
  geo      IP                                    what the GeoIP data says about an address
  nodes    [--json]                              cluster members (Redis store); * marks the one answering
  reload                                         reload config and GeoIP data
  version

Global options: --config FILE, --admin URL, --token T (or SIGNPOST_CONFIG, SIGNPOST_ADMIN, SIGNPOST_TOKEN).
Mirror options: --http --rsync --ftp --latitude --longitude --country CC[,CC] --continent XX --asn N
  --exclude-countries CC[,CC] --[no-]country-only --[no-]continent-only --[no-]as-only --score N
  --sponsor-name --sponsor-url --sponsor-logo --admin-name --admin-email --custom-data --comment
  --allow-redirects yes|no|default --enable   (edit also: --name NEW)`;

type Options = NonNullable<ParseArgsConfig['options']>;

const GLOBAL: Options = {
  config: { type: 'string' },
  admin: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const COMMANDS: Record<string, Options> = {
  daemon: {},
  demo: { port: { type: 'string' } },
  add: mirrorOptions,
  edit: mirrorOptions,
  show: {},
  list: { state: { type: 'boolean' }, enabled: { type: 'boolean' }, disabled: { type: 'boolean' }, down: { type: 'boolean' } },
  enable: {},
  disable: {},
  remove: { force: { type: 'boolean', short: 'f' } },
  scan: { all: { type: 'boolean' }, enable: { type: 'boolean' }, protocol: { type: 'string' } },
  refresh: { rehash: { type: 'boolean' } },
  logs: { n: { type: 'string', short: 'n' } },
  stats: { from: { type: 'string' }, to: { type: 'string' } },
  export: { format: { type: 'string' } },
  geo: {},
  nodes: {},
  reload: {},
  version: {},
};

const one = (positionals: string[], command: string, what = 'NAME'): string => {
  if (positionals.length !== 1) throw new CliError(`${command}: expected one ${what}\n${USAGE}`, 2);
  return positionals[0]!;
};

/** parseArgs refuses `--longitude -122.3` as ambiguous: glue negative numbers to their option. */
const glueNegativeNumbers = (argv: string[]): string[] => {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg.startsWith('--') && !arg.includes('=') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
};

export const main = async (rawArgv: string[]): Promise<number> => {
  const argv = glueNegativeNumbers(rawArgv);
  const command = argv.find((a) => !a.startsWith('-') && !isOptionValue(argv, a));
  try {
    if (!command || command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return command ? 0 : 2;
    }
    const spec = COMMANDS[command];
    if (!spec) throw new CliError(`unknown command "${command}"\n${USAGE}`, 2);
    let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
    try {
      parsed = parseArgs({ args: argv.filter((_a, i) => i !== argv.indexOf(command)), options: { ...GLOBAL, ...spec }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CliError(`${command}: ${(error as Error).message.split('\n')[0]}`, 2);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const json = values.json === true;
    const flags = { config: str('config'), admin: str('admin'), token: str('token') };
    const conn = () => connection(flags);
    switch (command) {
      case 'daemon':
        return await runDaemon(flags.config);
      case 'demo':
        return await runDemo(str('port'));
      case 'add':
        await addMirror(conn(), one(positionals, command), mirrorFields(values), values.enable === true, json);
        return 0;
      case 'edit': {
        const fields = mirrorFields(values);
        if (values.enable === true) fields.enabled = true;
        await editMirror(conn(), one(positionals, command), fields, json);
        return 0;
      }
      case 'show':
        await showMirror(conn(), one(positionals, command), json);
        return 0;
      case 'list':
        await listMirrors(conn(), { enabled: values.enabled === true, disabled: values.disabled === true, down: values.down === true, state: values.state === true }, json);
        return 0;
      case 'enable':
      case 'disable':
        await setEnabled(conn(), one(positionals, command), command === 'enable', json);
        return 0;
      case 'remove':
        await removeMirror(conn(), one(positionals, command), values.force === true, json);
        return 0;
      case 'scan': {
        const protocol = str('protocol');
        if (protocol !== undefined && !['rsync', 'ftp', 'http'].includes(protocol)) throw new CliError(`scan: --protocol must be rsync, ftp or http`, 2);
        if (values.all ? positionals.length > 0 : positionals.length !== 1) throw new CliError(`scan: give one NAME or --all\n${USAGE}`, 2);
        return await scan(conn(), values.all === true ? undefined : positionals[0], { enable: values.enable === true, protocol }, json);
      }
      case 'refresh':
        await refresh(conn(), values.rehash === true, json);
        return 0;
      case 'logs': {
        const n = Number(str('n') ?? '50');
        if (!Number.isInteger(n) || n < 1) throw new CliError('logs: -n expects a positive integer', 2);
        await showLogs(conn(), one(positionals, command), n, json);
        return 0;
      }
      case 'stats':
        await stats(conn(), positionals, { from: str('from'), to: str('to') }, json);
        return 0;
      case 'export':
        await exportCommand(conn(), str('format') ?? (json ? 'json' : 'mirmon'));
        return 0;
      case 'geo': {
        const ip = one(positionals, command, 'IP address');
        const where = await call<Record<string, unknown>>(conn(), 'GET', `/api/geo/${encodeURIComponent(ip)}`);
        process.stdout.write(json ? `${JSON.stringify(where, null, 2)}\n` : `${Object.entries(where).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n')}\n`);
        return 0;
      }
      case 'nodes':
        if (positionals.length > 0) throw new CliError(`nodes: takes no arguments\n${USAGE}`, 2);
        await listNodes(conn(), json);
        return 0;
      case 'reload': {
        const r = await call<{ config: string }>(conn(), 'POST', '/api/reload');
        process.stdout.write(json ? `${JSON.stringify(r)}\n` : `Reloaded ${r.config}\n`);
        return 0;
      }
      case 'version': {
        let server = 'not reachable';
        try {
          server = (await call<{ version: string }>(conn(), 'GET', '/api/version')).version;
        } catch {
          // the client's version is still worth printing
        }
        process.stdout.write(json ? `${JSON.stringify({ client: VERSION, server })}\n` : `signpost ${VERSION} (daemon: ${server})\n`);
        return 0;
      }
    }
    return 2;
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`signpost: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`signpost: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
};

/** True when `arg` is the value of a preceding string option (e.g. the FILE of `--config FILE`). */
const isOptionValue = (argv: string[], arg: string): boolean => {
  const i = argv.indexOf(arg);
  const prev = argv[i - 1];
  if (!prev || !prev.startsWith('-') || prev.includes('=')) return false;
  const name = prev.replace(/^-+/, '');
  const all: Options = Object.assign({}, GLOBAL, ...Object.values(COMMANDS));
  const short = Object.entries(all).find(([, o]) => o.short === name)?.[0];
  return (all[name] ?? (short ? all[short] : undefined))?.type === 'string';
};
