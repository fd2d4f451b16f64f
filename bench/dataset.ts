// Generates a benchmark dataset straight into a SQLite store through the Store API: a repository of N files in
// nested directories (also created on disk as sparse files, since the daemon re-indexes its repository at start),
// and M mirrors at real cities, each holding 60–100 % of the files, some with outdated copies.
import { closeSync, existsSync, futimesSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultSettings, initialState } from '../src/mirrors/mirror.js';
import type { RepoFile } from '../src/repo/file.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { MirrorCopies, Store } from '../src/store/store.js';
import { CITIES } from './cities.js';
import { hex, intBetween, logNormal, pick, seeded } from './random.js';
import type { Random } from './random.js';

/** Bumped whenever the generator's output changes, so that cached datasets of an older shape are rebuilt. */
const GENERATOR_VERSION = 2;

export interface DatasetOptions {
  /** Directory that receives `signpost.db`, `repo/`, `paths.txt` and `dataset.json`. */
  dir: string;
  files: number;
  mirrors: number;
  seed?: number;
  /** Create the repository's files on disk (sparse, with the indexed size and mtime). */
  createFiles?: boolean;
  log?: (message: string) => void;
}

export interface Dataset {
  dir: string;
  databasePath: string;
  repository: string;
  /** One repository path per line, in generation order. */
  pathsFile: string;
  files: number;
  mirrors: number;
  seed: number;
  /** Mirror copies stored (sum over mirrors of the files each holds). */
  copies: number;
  outdatedCopies: number;
  generatorVersion: number;
  /** How long generation took, by step (ms). */
  timings: Record<string, number>;
  createdAt: string;
}

const NOW_S = Math.floor(Date.UTC(2026, 0, 1) / 1000);
const YEAR_S = 365 * 86_400;

const SYLLABLES = ['al', 'be', 'cor', 'da', 'el', 'fi', 'gno', 'ha', 'in', 'jo', 'ka', 'lu', 'me', 'no', 'or', 'pa', 'qu', 'ra', 'si', 'to', 'ur', 'vi', 'wa', 'xe', 'yo', 'ze'];
const ARCHES = ['amd64', 'arm64', 'i386', 'armhf', 'ppc64el', 's390x', 'riscv64'];
const PLATFORMS = ['linux-x86_64', 'linux-aarch64', 'win64', 'win32', 'macos-universal', 'freebsd-amd64'];
const SECTIONS = ['main', 'contrib', 'non-free', 'non-free-firmware'];
const DISTROS = ['debian', 'ubuntu', 'fedora', 'alpine', 'rocky', 'arch'];
const FLAVORS = ['netinst', 'dvd-1', 'live-gnome', 'live-kde', 'server', 'minimal'];

const clampSize = (size: number): number => Math.max(1, Math.min(Math.round(size), 16 * 1024 ** 3));

/** A package's files: a directory and the names in it, with sizes. */
interface Group {
  dir: string;
  files: { name: string; size: number }[];
}

const version = (random: Random): string => `${intBetween(random, 0, 12)}.${intBetween(random, 0, 30)}.${intBetween(random, 0, 9)}`;

/** Builds directory groups until `count` paths exist; names are made unique by a counter where needed. */
const makeGroups = (random: Random, count: number): Group[] => {
  const groups: Group[] = [];
  const names = new Set<string>();
  let total = 0;
  // Base names have no digits, so a base name followed by the (ever growing) count of names is new.
  const uniqueName = (): string => {
    let name = (random() < 0.3 ? 'lib' : '') + pick(random, SYLLABLES) + pick(random, SYLLABLES);
    if (random() < 0.6) name += pick(random, SYLLABLES);
    if (names.has(name)) name += String(names.size);
    names.add(name);
    return name;
  };
  while (total < count) {
    const roll = random();
    const name = uniqueName();
    let group: Group;
    if (roll < 0.72) {
      // Debian's pool: /debian/pool/<section>/<prefix>/<package>/<package>_<version>_<arch>.deb and the sources.
      const section = random() < 0.85 ? 'main' : pick(random, SECTIONS);
      const prefix = name.startsWith('lib') ? name.slice(0, 4) : name[0]!;
      const v = `${version(random)}-${intBetween(random, 1, 5)}`;
      const files: Group['files'] = [
        { name: `${name}_${v}.dsc`, size: clampSize(logNormal(random, 2_000, 0.4)) },
        { name: `${name}_${v.split('-')[0]}.orig.tar.xz`, size: clampSize(logNormal(random, 3_000_000, 1.6)) },
        { name: `${name}_${v}.debian.tar.xz`, size: clampSize(logNormal(random, 30_000, 1.0)) },
      ];
      const arches = intBetween(random, 1, ARCHES.length);
      for (let a = 0; a < arches; a++) files.push({ name: `${name}_${v}_${ARCHES[a]}.deb`, size: clampSize(logNormal(random, 300_000, 1.8)) });
      group = { dir: `/debian/pool/${section}/${prefix}/${name}`, files };
    } else if (roll < 0.95) {
      // Project releases: /releases/<project>/<major.minor>/<project>-<version>-<platform>.<ext> and their checksums.
      const v = version(random);
      const files: Group['files'] = [{ name: `SHA256SUMS`, size: clampSize(logNormal(random, 600, 0.5)) }];
      for (const platform of PLATFORMS.slice(0, intBetween(random, 1, PLATFORMS.length))) {
        const ext = platform.startsWith('win') ? 'zip' : platform.startsWith('macos') ? 'dmg' : 'tar.gz';
        files.push({ name: `${name}-${v}-${platform}.${ext}`, size: clampSize(logNormal(random, 40_000_000, 1.2)) });
      }
      files.push({ name: `${name}-${v}.tar.gz`, size: clampSize(logNormal(random, 8_000_000, 1.2)) });
      group = { dir: `/releases/${name}/${v.split('.').slice(0, 2).join('.')}`, files };
    } else {
      // Installer images: /iso/<distro>/<version>/<name>-<arch>-<flavor>.iso, large files.
      const distro = pick(random, DISTROS);
      const v = `${intBetween(random, 1, 40)}.${intBetween(random, 0, 9)}-${name}`;
      const files: Group['files'] = [];
      for (const arch of ARCHES.slice(0, intBetween(random, 1, 3))) {
        for (const flavor of FLAVORS.slice(0, intBetween(random, 1, FLAVORS.length))) {
          files.push({ name: `${distro}-${v}-${arch}-${flavor}.iso`, size: clampSize(logNormal(random, 2_500_000_000, 0.5)) });
        }
      }
      files.push({ name: 'SHA256SUMS', size: clampSize(logNormal(random, 900, 0.5)) });
      group = { dir: `/iso/${distro}/${v}`, files };
    }
    if (total + group.files.length > count) group.files.length = count - total;
    total += group.files.length;
    groups.push(group);
  }
  return groups;
};

/** The repository index: paths, sizes, whole-second mtimes (so that the files on disk carry them exactly), synthetic digests. */
const makeFiles = (random: Random, count: number): RepoFile[] => {
  const files: RepoFile[] = [];
  for (const group of makeGroups(random, count)) {
    const groupTime = NOW_S - Math.floor(random() * 3 * YEAR_S);
    for (const f of group.files) {
      const mtime = groupTime + Math.floor(random() * 3600);
      files.push({ path: `${group.dir}/${f.name}`, size: f.size, mtimeMs: mtime * 1000, sha1: '', sha256: hex(random, 32), md5: '' });
    }
  }
  return files;
};

/** Creates every file as a sparse file with its size and mtime; directories as needed. */
const writeRepository = (root: string, files: readonly RepoFile[], log: (m: string) => void): void => {
  const made = new Set<string>();
  let done = 0;
  for (const file of files) {
    const full = join(root, file.path);
    const dir = dirname(full);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const fd = openSync(full, 'w');
    try {
      ftruncateSync(fd, file.size);
      futimesSync(fd, file.mtimeMs / 1000, file.mtimeMs / 1000);
    } finally {
      closeSync(fd);
    }
    if (++done % 200_000 === 0) log(`  ${done} files written`);
  }
};

interface MirrorPlan {
  name: string;
  /** Share of the repository it holds, 0.6–1. */
  share: number;
  /** Probability that a copy it holds is an outdated one (older mtime, sometimes another size). */
  outdated: number;
}

const addMirrors = async (store: Store, random: Random, count: number): Promise<{ id: number; plan: MirrorPlan }[]> => {
  const out: { id: number; plan: MirrorPlan }[] = [];
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const city = CITIES[i % CITIES.length]!;
    const round = Math.floor(i / CITIES.length);
    const name = `mirror-${String(i + 1).padStart(3, '0')}-${city.name}`;
    // Later rounds over the table land near, not on, the same city.
    const jitter = (): number => (round === 0 ? 0 : (random() - 0.5) * 2);
    const restrictions = random();
    const settings = {
      ...defaultSettings(),
      name,
      httpURL: `http://${name}.example.org/`,
      sponsorName: `Sponsor of ${city.name}`,
      sponsorURL: `https://sponsor-${i + 1}.example.org/`,
      adminName: 'Mirror admin',
      adminEmail: `admin@${name}.example.org`,
      latitude: city.latitude + jitter(),
      longitude: city.longitude + jitter(),
      continentCode: city.continent,
      countryCodes: [city.country],
      asnum: intBetween(random, 1000, 64000),
      score: random() < 0.2 ? pick(random, [-20, -10, 10, 20, 50]) : 0,
      continentOnly: restrictions < 0.04,
      countryOnly: restrictions >= 0.04 && restrictions < 0.06,
      excludedCountryCodes: restrictions >= 0.06 && restrictions < 0.08 ? ['CN', 'RU'] : [],
      enabled: true,
    };
    const state = {
      ...initialState(now),
      httpUp: true,
      httpsUp: true,
      httpDownReason: '',
      httpsDownReason: '',
      lastSync: now,
      lastSuccessfulSync: now,
      lastSuccessfulSyncProtocol: 'rsync' as const,
      lastSuccessfulSyncPrecisionMs: 1000,
    };
    const mirror = await store.addMirror(settings, state);
    out.push({ id: mirror.id, plan: { name, share: 0.6 + 0.4 * random(), outdated: random() < 0.3 ? 0.01 + 0.04 * random() : 0 } });
  }
  return out;
};

/** What one mirror holds: a `share` of the files, a few of them in an older version. */
/** What a mirror holds, as copies by file id (`ids[i]` is the id of `files[i]`): no object per copy. */
const mirrorCopies = (random: Random, files: readonly RepoFile[], ids: Uint32Array, plan: MirrorPlan): { copies: MirrorCopies; outdated: number } => {
  const copies: MirrorCopies = { length: 0, ids: new Uint32Array(files.length), sizes: new Float64Array(files.length), mtimes: new Float64Array(files.length) };
  let outdated = 0;
  files.forEach((file, i) => {
    if (random() >= plan.share) return;
    const at = copies.length++;
    copies.ids[at] = ids[i]!;
    if (plan.outdated > 0 && random() < plan.outdated) {
      outdated++;
      copies.mtimes[at] = file.mtimeMs - intBetween(random, 1, 60) * 86_400_000;
      copies.sizes[at] = random() < 0.5 ? file.size : Math.max(1, file.size - intBetween(random, 1, 4096));
    } else {
      copies.sizes[at] = file.size;
      copies.mtimes[at] = file.mtimeMs;
    }
  });
  return { copies, outdated };
};

const timed = async <T>(timings: Record<string, number>, step: string, work: () => Promise<T> | T): Promise<T> => {
  const started = performance.now();
  const result = await work();
  timings[step] = Math.round(performance.now() - started);
  return result;
};

/** Generates a dataset into `dir` (emptied first). */
export const generateDataset = async (options: DatasetOptions): Promise<Dataset> => {
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? 1;
  const dir = options.dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const databasePath = join(dir, 'signpost.db');
  const repository = join(dir, 'repo');
  const pathsFile = join(dir, 'paths.txt');
  const timings: Record<string, number> = {};
  const random = seeded(seed);

  const files = await timed(timings, 'index', () => makeFiles(random, options.files));
  writeFileSync(pathsFile, files.map((f) => f.path).join('\n') + '\n');
  mkdirSync(repository, { recursive: true });
  if (options.createFiles !== false) {
    log(`writing ${files.length} sparse files under ${repository}`);
    await timed(timings, 'repository', () => writeRepository(repository, files, log));
  }

  const store = await openSqliteStore(databasePath);
  let copies = 0;
  let outdatedCopies = 0;
  try {
    await timed(timings, 'storeFiles', () => store.replaceFiles(files, []));
    const mirrors = await timed(timings, 'storeMirrors', () => addMirrors(store, random, options.mirrors));
    await timed(timings, 'storeMirrorFiles', async () => {
      const columns = await store.readFileColumns();
      const idOf = new Map(columns.paths.toArray().map((path, i) => [path, columns.ids[i]!]));
      const ids = Uint32Array.from(files, (f) => idOf.get(f.path)!);
      idOf.clear();
      for (const { id, plan } of mirrors) {
        const { copies: held, outdated } = mirrorCopies(random, files, ids, plan);
        await store.replaceMirrorCopies(id, held);
        await store.updateMirror(id, { filesKnown: held.length });
        copies += held.length;
        outdatedCopies += outdated;
        if (id % 25 === 0) log(`  ${id}/${mirrors.length} mirrors stored`);
      }
    });
  } finally {
    await store.close();
  }
  const dataset: Dataset = {
    dir,
    databasePath,
    repository,
    pathsFile,
    files: files.length,
    mirrors: options.mirrors,
    seed,
    copies,
    outdatedCopies,
    generatorVersion: GENERATOR_VERSION,
    timings,
    createdAt: new Date().toISOString(),
  };
  // Written last: its presence marks a complete dataset.
  writeFileSync(join(dir, 'dataset.json'), JSON.stringify(dataset, null, 2) + '\n');
  return dataset;
};

/** A complete dataset of this shape already in `dir`, or undefined. */
export const existingDataset = (options: DatasetOptions): Dataset | undefined => {
  const manifest = join(options.dir, 'dataset.json');
  if (!existsSync(manifest)) return undefined;
  try {
    const d = JSON.parse(readFileSync(manifest, 'utf8')) as Dataset;
    const sameShape =
      d.files === options.files &&
      d.mirrors === options.mirrors &&
      d.seed === (options.seed ?? 1) &&
      d.generatorVersion === GENERATOR_VERSION &&
      existsSync(d.databasePath) &&
      (options.createFiles === false || existsSync(d.repository));
    return sameShape ? d : undefined;
  } catch {
    return undefined;
  }
};

export const readPaths = (dataset: Dataset): string[] => readFileSync(dataset.pathsFile, 'utf8').split('\n').filter((p) => p !== '');

/**
 * Points every mirror at `base` + its name (a loopback stub that answers health checks) and marks it synced now,
 * so that a dataset generated earlier is neither health-checked down nor rescanned during a run.
 */
export const prepareMirrors = async (databasePath: string, base: string): Promise<void> => {
  const store = await openSqliteStore(databasePath);
  try {
    const now = Date.now();
    for (const m of await store.listMirrors()) {
      await store.updateMirror(m.id, {
        httpURL: `${base}${m.name}/`,
        enabled: true,
        httpUp: true,
        httpsUp: true,
        httpDownReason: '',
        httpsDownReason: '',
        lastSync: now,
        lastSuccessfulSync: now,
        scanFailures: 0,
      });
    }
  } finally {
    await store.close();
  }
};
