// Finding and loading the configuration file: lookup order, errors for named files that are missing,
// and built-in defaults when nothing is found.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, tempDir } from '../../test/support/paths.js';
import {
  ConfigError,
  defaultConfig,
  knownKeys,
  loadConfig,
  locateConfig,
  parseConfig,
  readConfigText,
  SYSTEM_CONFIG_PATHS,
} from './load.js';

describe('locateConfig', () => {
  let dir: { path: string; remove: () => void };
  let cwd: string;
  let explicitFile: string;
  let envFile: string;
  let localFile: string;
  let systemA: string;
  let systemB: string;
  let systemPaths: string[];

  before(() => {
    dir = tempDir('signpost-config-');
    cwd = join(dir.path, 'work');
    mkdirSync(cwd);
    mkdirSync(join(dir.path, 'etc', 'signpost'), { recursive: true });
    explicitFile = join(dir.path, 'explicit.yaml');
    envFile = join(dir.path, 'env.yaml');
    localFile = join(cwd, 'signpost.yaml');
    systemA = join(dir.path, 'etc', 'signpost', 'signpost.yaml');
    systemB = join(dir.path, 'etc', 'mirrorbits.conf');
    systemPaths = [systemA, systemB];
    for (const file of [explicitFile, envFile, localFile, systemA, systemB]) writeFileSync(file, 'Gzip: true\n');
  });
  after(() => dir.remove());

  const env = (value?: string): NodeJS.ProcessEnv => (value === undefined ? {} : { SIGNPOST_CONFIG: value });

  it('looks in the places of SPEC §1, in order', () => {
    assert.deepEqual(SYSTEM_CONFIG_PATHS, ['/etc/signpost/signpost.yaml', '/etc/mirrorbits.conf']);
    assert.equal(locateConfig(explicitFile, env(envFile), cwd, systemPaths), explicitFile);
    assert.equal(locateConfig(undefined, env(envFile), cwd, systemPaths), envFile);
    assert.equal(locateConfig(undefined, env(), cwd, systemPaths), localFile);
    assert.equal(locateConfig(undefined, env(), dir.path, systemPaths), systemA);
    assert.equal(locateConfig(undefined, env(), dir.path, [join(dir.path, 'absent.yaml'), systemB]), systemB);
    assert.equal(locateConfig(undefined, env(), dir.path, []), undefined);
  });

  it('treats empty --config and $SIGNPOST_CONFIG as not given', () => {
    assert.equal(locateConfig('', env(''), cwd, systemPaths), localFile);
  });

  it('resolves relative names against cwd', () => {
    assert.equal(locateConfig('../explicit.yaml', env(), cwd, []), explicitFile);
    assert.equal(locateConfig(undefined, env('../env.yaml'), cwd, []), envFile);
  });

  const refusals: Array<[string | undefined, string | undefined, string]> = [
    ['missing.yaml', undefined, 'missing.yaml: no such configuration file (named by --config)'],
    [undefined, 'nowhere.yaml', 'nowhere.yaml: no such configuration file (named by $SIGNPOST_CONFIG)'],
    ['.', undefined, '.: not a regular file (named by --config)'],
    // A named file that is missing is an error even when other places have one.
    ['missing.yaml', 'env.yaml', 'missing.yaml: no such configuration file (named by --config)'],
  ];
  for (const [explicit, fromEnv, message] of refusals) {
    it(`refuses ${explicit ?? fromEnv}`, () => {
      assert.throws(() => locateConfig(explicit, env(fromEnv), cwd, systemPaths), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.message, message);
        assert.equal(error.source, explicit ?? fromEnv);
        return true;
      });
    });
  }
});

describe('loadConfig', () => {
  let dir: { path: string; remove: () => void };
  before(() => {
    dir = tempDir('signpost-load-');
  });
  after(() => dir.remove());

  it('reads, parses and records the source', () => {
    const file = join(dir.path, 'site.yaml');
    writeFileSync(file, 'Repository: pub\nCheckInterval: 15s\n');
    const c = loadConfig(file, {}, '/');
    assert.equal(c.source, file);
    assert.equal(c.repository, join(dir.path, 'pub'));
    assert.equal(c.checkInterval, 15_000);
  });

  it('reads $SIGNPOST_CONFIG', () => {
    const file = join(dir.path, 'from-env.yaml');
    writeFileSync(file, 'Workers: 3\n');
    assert.equal(loadConfig(undefined, { SIGNPOST_CONFIG: file }, '/').workers, 3);
  });

  it('reports errors with the file, line and key', () => {
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(file, '# comment\nRepository: /srv\nCheckInterval: abc\n');
    assert.throws(() => loadConfig(file, {}, '/'), {
      name: 'ConfigError',
      message: `${file}:3: CheckInterval: expected a number of minutes or a duration such as "15s", got "abc"`,
    });
  });

  it('reports a file it cannot read', () => {
    // Running as root defeats permission bits, so a directory stands in for an unreadable file.
    assert.throws(() => readConfigText(dir.path), {
      name: 'ConfigError',
      message: `${dir.path}: cannot read the configuration file (EISDIR)`,
    });
  });

  it('uses ./signpost.yaml from cwd', () => {
    const cwd = join(dir.path, 'project');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'signpost.yaml'), 'Gzip: On\n');
    const c = loadConfig(undefined, {}, cwd);
    assert.equal(c.gzip, true);
    assert.equal(c.source, join(cwd, 'signpost.yaml'));
    assert.equal(c.repository, join(cwd, 'repo'));
  });

  it('falls back to the built-in defaults when no file is found', (t) => {
    const present = SYSTEM_CONFIG_PATHS.filter((file) => {
      try {
        return locateConfig(file, {}, '/') === file;
      } catch {
        return false;
      }
    });
    if (present.length > 0) {
      // This machine has a system-wide config, which rightly wins over the defaults.
      t.diagnostic(`system config present: ${present.join(', ')}`);
      assert.equal(loadConfig(undefined, {}, dir.path).source, present[0]);
      return;
    }
    const empty = join(dir.path, 'empty');
    mkdirSync(empty);
    assert.deepEqual(loadConfig(undefined, {}, empty), defaultConfig(empty));
  });
});

describe('docs/configuration.md', () => {
  const doc = readFileSync(join(projectRoot, 'docs', 'configuration.md'), 'utf8');

  it('documents every key', () => {
    for (const key of knownKeys) assert.ok(doc.includes(`\`${key}\``), `${key} is not documented`);
  });

  it('shows an example that loads', () => {
    const example = /## Example\s+```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example !== undefined, 'no YAML example found');
    const c = parseConfig(example, '/etc/signpost/signpost.yaml');
    assert.equal(c.repository, '/srv/pub');
    assert.equal(c.checkInterval, 30_000);
    assert.equal(c.fallbacks.length, 2);
  });
});
