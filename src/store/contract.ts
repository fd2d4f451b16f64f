// The behaviour every Store backend owes its callers, as node:test cases any backend's tests register.
// Nothing here may depend on a backend: the same cases run against SQLite now and Redis later.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSettings, initialState, type Mirror, type MirrorFile, type MirrorSettings, type MirrorState } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';
import {
  MAX_LOG_ENTRIES,
  type DownloadCount,
  type FileColumns,
  type MirrorDownloads,
  NameTakenError,
  NotFoundError,
  StoreError,
  type LogEntry,
  type MirrorCopies,
  type MirrorPatch,
  type RepoLink,
  type Store,
  type StoreEvent,
} from './store.js';

/** Fresh, empty storage for one test case. */
export interface StoreFixture {
  store: Store;
  /** Opens another handle on the same storage; earlier handles may be open or closed. */
  reopen: () => Promise<Store>;
  /** Closes every handle still open, then deletes the storage. */
  cleanup: () => Promise<void>;
}

const NOW = 1_717_768_803_512;

const fullSettings = (name: string): MirrorSettings => ({
  name,
  httpURL: 'https://mirror.example.org/pub/',
  rsyncURL: 'rsync://mirror.example.org/pub/',
  ftpURL: 'ftp://mirror.example.org/pub/',
  sponsorName: 'Université de Lyon',
  sponsorURL: 'https://sponsor.example/',
  sponsorLogoURL: 'https://sponsor.example/logo.png',
  adminName: 'Ada "the admin" Lovelace',
  adminEmail: 'ada@example.org',
  customData: '{"rack": 7}\nsecond line; 100%',
  comment: '',
  continentOnly: true,
  countryOnly: true,
  asOnly: true,
  score: -12.5,
  latitude: 45.764,
  longitude: -73.5673,
  continentCode: 'EU',
  countryCodes: ['FR', 'BE', 'CH'],
  excludedCountryCodes: ['DE'],
  asnum: 4_294_967_295,
  enabled: true,
  allowRedirects: 'no',
});

const fullState = (): MirrorState => ({
  httpUp: false,
  httpsUp: true,
  httpDownReason: 'connection refused',
  httpsDownReason: '',
  stateSince: NOW + 1,
  tzOffsetMs: -3_600_000,
  lastSync: NOW + 2,
  lastSuccessfulSync: NOW + 3,
  lastSuccessfulSyncProtocol: 'ftp',
  lastSuccessfulSyncPrecisionMs: 60_000,
  lastModTime: NOW - 4,
  filesKnown: 123_456,
  traceLagMs: 7_200_000,
  syncing: true,
  scanFailures: 3,
  createdAt: NOW - 5,
});

const plainSettings = (name: string): MirrorSettings => ({ ...defaultSettings(), name, httpURL: `${name.toLowerCase()}.example.net/` });

const addPlain = (store: Store, name: string): Promise<Mirror> => store.addMirror(plainSettings(name), initialState(NOW));

const copiesOf = (copies: readonly { id: number; size: number; mtimeMs: number }[]): MirrorCopies => ({
  length: copies.length,
  ids: Uint32Array.from(copies, (c) => c.id),
  sizes: Float64Array.from(copies, (c) => c.size),
  mtimes: Float64Array.from(copies, (c) => c.mtimeMs),
});

const repoFile = (path: string, size = 100, extra: Partial<RepoFile> = {}): RepoFile => ({
  path,
  size,
  mtimeMs: NOW,
  sha1: 'a'.repeat(40),
  sha256: 'b'.repeat(64),
  md5: 'c'.repeat(32),
  ...extra,
});

const mirrorFile = (path: string, size = 100, mtimeMs = NOW): MirrorFile => ({ path, size, mtimeMs });

const byPath = <T extends { path: string }>(items: readonly T[]): T[] => [...items].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

const counts = (total: number, added: number, changed: number, removed: number) => ({ total, added, changed, removed });

const isStoreError = (err: unknown): boolean => err instanceof StoreError;

/** Collects a store's events; delivery may be asynchronous (Redis pub/sub), so tests wait for what they expect. */
const record = (store: Store) => {
  const seen: StoreEvent[] = [];
  const stop = store.subscribe((event) => seen.push(event));
  const waitFor = async (count: number, timeoutMs = 3000): Promise<StoreEvent[]> => {
    const deadline = Date.now() + timeoutMs;
    while (seen.length < count) {
      if (Date.now() > deadline) assert.fail(`expected ${count} store events within ${timeoutMs} ms, got ${JSON.stringify(seen)}`);
      await new Promise((done) => setTimeout(done, 5));
    }
    return seen;
  };
  return { seen, stop, waitFor };
};

const download = (day: string, path: string, mirrorId: number, count: number, bytes: number): DownloadCount => ({ day, path, mirrorId, count, bytes });

/** Several files, mirrors (0 = fallbacks), days, months and years; a repeated line; a path with a space. */
const sampleDownloads: readonly DownloadCount[] = [
  download('2024-05-07', '/a.iso', 1, 3, 300),
  download('2024-05-07', '/a.iso', 2, 1, 100),
  download('2024-05-08', '/a.iso', 1, 2, 200),
  download('2024-06-01', '/a.iso', 0, 5, 500),
  download('2025-01-01', '/a.iso', 2, 7, 700),
  download('2024-05-07', '/b/c d.bin', 2, 4, 40),
  download('2023-12-31', '/b/c d.bin', 1, 1, 10),
  download('2024-05-07', '/a.iso', 1, 1, 100),
];

/** The expected counters, summed naively from the lines: a period is a prefix of the days it covers ('' of all). */
const expectedFile = (lines: readonly DownloadCount[], path: string, period: string): number =>
  lines.filter((l) => l.path === path && l.day.startsWith(period)).reduce((sum, l) => sum + l.count, 0);

const expectedMirrors = (lines: readonly DownloadCount[], keep: (line: DownloadCount) => boolean): Map<number, MirrorDownloads> => {
  const sums = new Map<number, MirrorDownloads>();
  for (const line of lines.filter(keep)) {
    const sum = sums.get(line.mirrorId) ?? { count: 0, bytes: 0 };
    sums.set(line.mirrorId, { count: sum.count + line.count, bytes: sum.bytes + line.bytes });
  }
  return sums;
};

const samplePeriods = ['', '2023', '2024', '2025', '2026', '2023-12', '2024-05', '2024-06', '2024-07', '2023-12-31', '2024-05-07', '2024-05-08', '2024-05-09', '2025-01-01'];

const byKey = <K, V>(map: Map<K, V>): [K, V][] => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Everything the readers show of the sample's files and mirrors, to compare a store before and after something. */
const snapshot = async (store: Store) => ({
  files: await Promise.all(['/a.iso', '/b/c d.bin', '/new'].map((path) => store.fileDownloads(path, samplePeriods))),
  mirrors: await Promise.all(samplePeriods.map(async (period) => byKey(await store.mirrorDownloads(period)))),
  between: byKey(await store.fileDownloadsBetween('2000-01-01', '2099-12-31')),
  daily: await store.dailyDownloads('2000-01-01', '2099-12-31'),
});

export const runStoreContract = (name: string, open: () => Promise<StoreFixture>): void => {
  /** Runs `test` on fresh storage, always cleaning up. */
  const withStore = (test: (store: Store, fixture: StoreFixture) => Promise<void>) => async () => {
    const fixture = await open();
    try {
      await test(fixture.store, fixture);
    } finally {
      await fixture.cleanup();
    }
  };

  describe(`Store contract: ${name}`, () => {
    describe('basics', () => {
      it(
        'answers ping and reports a positive schema version',
        withStore(async (store) => {
          await store.ping();
          assert.ok(store.backend === 'sqlite' || store.backend === 'redis');
          const version = await store.schemaVersion();
          assert.ok(Number.isInteger(version) && version > 0, `schema version ${version}`);
        }),
      );

      it(
        'starts empty, and its getters return nothing for unknown ids and paths',
        withStore(async (store) => {
          assert.deepEqual(await store.listFiles(), []);
          assert.deepEqual(await store.listLinks(), []);
          assert.deepEqual(await store.listMirrors(), []);
          assert.equal(await store.getFile('/nothing/here.iso'), undefined);
          assert.equal(await store.getMirror(4242), undefined);
          assert.deepEqual(await store.listMirrorFiles(4242), []);
          assert.deepEqual(await store.listLogs(4242, 10), []);
        }),
      );
    });

    describe('mirrors', () => {
      it(
        'round-trips every field of a fully filled mirror',
        withStore(async (store) => {
          const settings = fullSettings('Full');
          const state = fullState();
          const added = await store.addMirror(settings, state);
          const expected: Mirror = { id: added.id, ...settings, ...state };
          assert.deepEqual(added, expected);
          assert.deepEqual(await store.getMirror(added.id), expected);
          assert.deepEqual(await store.listMirrors(), [expected]);
        }),
      );

      it(
        'round-trips a mirror with default settings: empty strings, empty lists, false, zero',
        withStore(async (store) => {
          const settings = plainSettings('Plain');
          const state = initialState(NOW);
          const added = await store.addMirror(settings, state);
          assert.deepEqual(await store.getMirror(added.id), { id: added.id, ...settings, ...state });
        }),
      );

      it(
        'round-trips every allowRedirects policy and sync protocol',
        withStore(async (store) => {
          const cases = [
            { allowRedirects: 'default', lastSuccessfulSyncProtocol: '' },
            { allowRedirects: 'yes', lastSuccessfulSyncProtocol: 'rsync' },
            { allowRedirects: 'no', lastSuccessfulSyncProtocol: 'http' },
          ] as const;
          for (const [i, { allowRedirects, lastSuccessfulSyncProtocol }] of cases.entries()) {
            const added = await store.addMirror({ ...plainSettings(`m${i}`), allowRedirects }, { ...initialState(NOW), lastSuccessfulSyncProtocol });
            const got = await store.getMirror(added.id);
            assert.equal(got?.allowRedirects, allowRedirects);
            assert.equal(got?.lastSuccessfulSyncProtocol, lastSuccessfulSyncProtocol);
          }
        }),
      );

      it(
        'gives distinct positive integer ids and lists mirrors by id',
        withStore(async (store) => {
          const added = [await addPlain(store, 'Zulu'), await addPlain(store, 'Alpha'), await addPlain(store, 'Mike')];
          for (const mirror of added) assert.ok(Number.isInteger(mirror.id) && mirror.id > 0, `id ${mirror.id}`);
          assert.equal(new Set(added.map((m) => m.id)).size, 3);
          const listed = await store.listMirrors();
          assert.deepEqual(
            listed.map((m) => m.id),
            added.map((m) => m.id).sort((a, b) => a - b),
          );
        }),
      );

      it(
        'refuses a taken name whatever its case, changing nothing',
        withStore(async (store) => {
          await addPlain(store, 'Alpha');
          for (const taken of ['Alpha', 'ALPHA', 'alpha']) {
            await assert.rejects(addPlain(store, taken), (err: unknown) => {
              assert.ok(err instanceof NameTakenError, `${String(err)} is a NameTakenError`);
              assert.ok(err instanceof StoreError);
              assert.match(err.message, /alpha/i);
              return true;
            });
          }
          assert.deepEqual(
            (await store.listMirrors()).map((m) => m.name),
            ['Alpha'],
          );
        }),
      );

      it(
        'applies partial patches, leaving the other fields alone',
        withStore(async (store) => {
          const patches: MirrorPatch[] = [
            { score: 45.5 },
            { score: -100 },
            { latitude: -33.8688, longitude: 151.2093 },
            { countryCodes: [] },
            { countryCodes: ['US', 'CA'], excludedCountryCodes: [] },
            { enabled: false, allowRedirects: 'yes' },
            { httpUp: true, httpDownReason: '', httpsUp: false, httpsDownReason: 'TLS handshake timeout' },
            { comment: 'moved to a new rack', customData: '' },
            { lastSync: NOW + 10, lastSuccessfulSyncProtocol: 'rsync', filesKnown: 0 },
          ];
          const { id } = await store.addMirror(fullSettings('Patched'), fullState());
          for (const patch of patches) {
            const before = await store.getMirror(id);
            const updated = await store.updateMirror(id, patch);
            const expected = { ...before, ...patch };
            assert.deepEqual(updated, expected, `after ${JSON.stringify(patch)}`);
            assert.deepEqual(await store.getMirror(id), expected);
          }
        }),
      );

      it(
        'ignores fields set to undefined in a patch',
        withStore(async (store) => {
          const { id } = await store.addMirror(fullSettings('Kept'), fullState());
          const before = await store.getMirror(id);
          const updated = await store.updateMirror(id, { score: undefined, name: undefined, countryCodes: undefined, comment: 'x' });
          assert.deepEqual(updated, { ...before, comment: 'x' });
        }),
      );

      it(
        "renames a mirror, also to another case of its own name, and refuses another mirror's name",
        withStore(async (store) => {
          const one = await addPlain(store, 'One');
          await addPlain(store, 'Two');
          assert.equal((await store.updateMirror(one.id, { name: 'Uno' })).name, 'Uno');
          assert.equal((await store.updateMirror(one.id, { name: 'UNO' })).name, 'UNO');
          await assert.rejects(store.updateMirror(one.id, { name: 'two', score: 5 }), NameTakenError);
          const after = await store.getMirror(one.id);
          assert.equal(after?.name, 'UNO');
          assert.equal(after?.score, 0, 'a refused patch changes no field');
          // The old name is free again.
          await addPlain(store, 'one');
        }),
      );

      it(
        'throws NotFoundError, naming the id, for writes to an unknown mirror',
        withStore(async (store) => {
          const calls: [string, () => Promise<unknown>][] = [
            ['updateMirror', () => store.updateMirror(4242, { score: 1 })],
            ['removeMirror', () => store.removeMirror(4242)],
            ['replaceMirrorFiles', () => store.replaceMirrorFiles(4242, [mirrorFile('/a')])],
            ['replaceMirrorCopies', () => store.replaceMirrorCopies(4242, copiesOf([]))],
            ['appendLog', () => store.appendLog(4242, { time: NOW, kind: 'edited', message: 'x' })],
          ];
          for (const [method, call] of calls) {
            await assert.rejects(call(), (err: unknown) => {
              assert.ok(err instanceof NotFoundError, `${method}: ${String(err)} is a NotFoundError`);
              assert.ok(err instanceof StoreError);
              assert.match(err.message, /4242/, method);
              return true;
            });
          }
          assert.deepEqual(await store.listMirrorFiles(4242), []);
          assert.deepEqual(await store.listLogs(4242, 10), []);
        }),
      );

      it(
        'removes a mirror with its files and log, leaving other mirrors alone and never reusing its id',
        withStore(async (store) => {
          const gone = await addPlain(store, 'Gone');
          const kept = await addPlain(store, 'Kept');
          await store.replaceFiles([repoFile('/a'), repoFile('/b')], []);
          for (const { id } of [gone, kept]) {
            await store.replaceMirrorFiles(id, [mirrorFile('/a'), mirrorFile('/b')]);
            await store.appendLog(id, { time: NOW, kind: 'added', message: `mirror ${id}` });
          }
          await store.removeMirror(gone.id);
          assert.equal(await store.getMirror(gone.id), undefined);
          assert.deepEqual(await store.listMirrorFiles(gone.id), []);
          assert.deepEqual(await store.listLogs(gone.id, 10), []);
          assert.deepEqual(
            (await store.listMirrors()).map((m) => m.id),
            [kept.id],
          );
          assert.equal((await store.listMirrorFiles(kept.id)).length, 2);
          assert.equal((await store.listLogs(kept.id, 10)).length, 1);
          await assert.rejects(store.removeMirror(gone.id), NotFoundError);

          const again = await addPlain(store, 'Gone');
          assert.notEqual(again.id, gone.id);
          assert.notEqual(again.id, kept.id);
          assert.deepEqual(await store.listMirrorFiles(again.id), [], 'a new mirror inherits no files');
          assert.deepEqual(await store.listLogs(again.id, 10), [], 'a new mirror inherits no log');
        }),
      );
    });

    describe('repository files', () => {
      it(
        'replaces the index, counting what was added, changed and removed, and lists it by path',
        withStore(async (store) => {
          const first = [repoFile('/b/two.iso', 2), repoFile('/a/one.iso', 1), repoFile('/c/three.iso', 3), repoFile('/d/four.iso', 4)];
          assert.deepEqual(await store.replaceFiles(first, []), counts(4, 4, 0, 0));
          assert.deepEqual(await store.listFiles(), byPath(first));

          const second = [
            repoFile('/a/one.iso', 1), // unchanged
            repoFile('/b/two.iso', 22), // size changed
            repoFile('/c/three.iso', 3, { sha256: 'd'.repeat(64) }), // hash changed
            repoFile('/d/four.iso', 4, { mtimeMs: NOW + 1000 }), // mtime changed
            repoFile('/e/five.iso', 5), // added
          ];
          assert.deepEqual(await store.replaceFiles(second, []), counts(5, 1, 3, 0));
          assert.deepEqual(await store.listFiles(), byPath(second));

          const third = second.filter((f) => f.path !== '/b/two.iso' && f.path !== '/e/five.iso');
          assert.deepEqual(await store.replaceFiles(third, []), counts(3, 0, 0, 2));
          assert.deepEqual(await store.replaceFiles(third, []), counts(3, 0, 0, 0));
          assert.deepEqual(await store.listFiles(), byPath(third));
          assert.equal(await store.getFile('/b/two.iso'), undefined);
          assert.deepEqual(await store.getFile('/c/three.iso'), third[1]);

          assert.deepEqual(await store.replaceFiles([], []), counts(0, 0, 0, 3));
          assert.deepEqual(await store.listFiles(), []);
        }),
      );

      it(
        'keeps fractional mtimes, large sizes, empty hashes and unusual paths exactly',
        withStore(async (store) => {
          const files = [
            repoFile('/fraction.bin', 0, { mtimeMs: 1_717_768_803_512.345, sha1: '', sha256: '', md5: '' }),
            repoFile('/big.img', 2 ** 40 + 7, { mtimeMs: 0 }),
            repoFile('/dir with spaces/été ünïcode.txt', 12),
            repoFile("/quote's/\"double\"/%20.txt", 13),
          ];
          await store.replaceFiles(files, []);
          for (const file of files) assert.deepEqual(await store.getFile(file.path), file);
        }),
      );

      it(
        'applies changes alone: upserts, removals and links, moving holdings along as a replacement would',
        withStore(async (store) => {
          const mirror = await addPlain(store, 'Updated');
          await store.replaceFiles([repoFile('/a'), repoFile('/b'), repoFile('/c', 3)], [{ path: '/l', target: '/a' }]);
          await store.replaceMirrorFiles(mirror.id, [mirrorFile('/a'), mirrorFile('/b'), mirrorFile('/c', 3)]);
          const events = record(store);
          assert.deepEqual(
            await store.updateFiles([repoFile('/c', 30), repoFile('/d'), repoFile('/a')], ['/b', '/nothing', '/d'], []),
            counts(3, 1, 1, 1),
            'an unchanged upsert counts nothing; a path both upserted and removed stays',
          );
          assert.deepEqual(
            (await store.listFiles()).map((f) => [f.path, f.size]),
            [
              ['/a', 100],
              ['/c', 30],
              ['/d', 100],
            ],
          );
          assert.deepEqual(await store.listLinks(), []);
          assert.deepEqual(await store.listMirrorFiles(mirror.id), [mirrorFile('/a'), mirrorFile('/c', 3)]);
          assert.deepEqual(await events.waitFor(1), [{ type: 'files' }]);
          assert.deepEqual(await store.updateFiles([repoFile('/a')], [], []), counts(3, 0, 0, 0));
          const before = await store.readFileColumns();
          await store.updateFiles([repoFile('/e')], [], []);
          const after = await store.readFileColumns();
          const idOf = (cols: FileColumns, path: string) => cols.ids[cols.paths.toArray().indexOf(path)];
          assert.equal(idOf(after, '/a'), idOf(before, '/a'));
          assert.ok(![...before.ids].includes(idOf(after, '/e')!), 'a new id');
        }),
      );

      it(
        'matches paths of any script across replacements, in any input order',
        withStore(async (store) => {
          const paths = ['/😀/a', '/\uffff', '/\ue000/x', '/é', '/z', '/a b', '/A'];
          const mirror = await addPlain(store, 'Scripts');
          assert.deepEqual(await store.replaceFiles(paths.map((p) => repoFile(p)), []), counts(7, 7, 0, 0));
          assert.deepEqual(await store.replaceFiles([...paths].reverse().map((p) => repoFile(p)), []), counts(7, 0, 0, 0));
          assert.deepEqual(await store.replaceMirrorFiles(mirror.id, [...paths].reverse().map((p) => mirrorFile(p))), counts(7, 7, 0, 0));
          assert.deepEqual(await store.replaceFiles(paths.slice(1).map((p) => repoFile(p)), []), counts(6, 0, 0, 1));
          assert.equal((await store.listMirrorFiles(mirror.id)).length, 6);
        }),
      );

      it(
        'counts a path given twice once, the last one winning',
        withStore(async (store) => {
          const result = await store.replaceFiles([repoFile('/x', 1), repoFile('/y', 2), repoFile('/x', 3)], []);
          assert.deepEqual(result, counts(2, 2, 0, 0));
          assert.equal((await store.getFile('/x'))?.size, 3);
        }),
      );

      it(
        'replaces the symlinks, including ones leading outside the repository',
        withStore(async (store) => {
          const links: RepoLink[] = [
            { path: '/latest', target: '/vlc/3.0.21' },
            { path: '/escape', target: null },
            { path: '/current.iso', target: '/isos/v2.iso' },
          ];
          await store.replaceFiles([repoFile('/isos/v2.iso')], links);
          assert.deepEqual(await store.listLinks(), byPath(links));

          const next: RepoLink[] = [
            { path: '/latest', target: '/vlc/3.0.22' },
            { path: '/escape', target: null },
          ];
          await store.replaceFiles([repoFile('/isos/v2.iso')], next);
          assert.deepEqual(await store.listLinks(), byPath(next));
          await store.replaceFiles([repoFile('/isos/v2.iso')], []);
          assert.deepEqual(await store.listLinks(), []);
        }),
      );

      it(
        "moves the mirrors' holdings along: removed files leave, changed files leave exact copies differing",
        withStore(async (store) => {
          const mirror = await addPlain(store, 'Lister');
          const ahead = await addPlain(store, 'Ahead');
          await store.replaceFiles([repoFile('/a'), repoFile('/b'), repoFile('/c', 3)], []);
          await store.replaceMirrorFiles(mirror.id, [mirrorFile('/a'), mirrorFile('/b'), mirrorFile('/c', 3)]);
          await store.replaceMirrorFiles(ahead.id, [mirrorFile('/c', 30, NOW + 5000)]);
          assert.deepEqual(await store.replaceFiles([repoFile('/a'), repoFile('/c', 30, { mtimeMs: NOW + 5000 })], []), counts(2, 0, 1, 1));
          // The old copy of /c keeps what the scan saw; the mirror that already had the new one now holds it exactly.
          assert.deepEqual(await store.listMirrorFiles(mirror.id), [mirrorFile('/a'), mirrorFile('/c', 3)]);
          assert.deepEqual(await store.listMirrorFiles(ahead.id), [mirrorFile('/c', 30, NOW + 5000)]);
          const held = await store.getHoldings(ahead.id);
          assert.equal(held.diffIds.length, 0, 'an equal copy is exact');
          const old = await store.getHoldings(mirror.id);
          assert.deepEqual([...old.diffSizes], [3]);
          // A hash-only change leaves the copies exact; a path that comes back is a new file no mirror holds yet.
          await store.replaceFiles([repoFile('/a', 100, { sha256: 'e'.repeat(64) }), repoFile('/b'), repoFile('/c', 30, { mtimeMs: NOW + 5000 })], []);
          assert.deepEqual(await store.listMirrorFiles(mirror.id), [mirrorFile('/a'), mirrorFile('/c', 3)]);
        }),
      );

      it(
        'gives every path a stable id, never reused, readable in columns with the digests as bytes',
        withStore(async (store) => {
          await store.replaceFiles([repoFile('/a'), repoFile('/b', 7, { sha1: '', md5: '' })], []);
          const first = await store.readFileColumns();
          const idOf = (cols: FileColumns, path: string) => cols.ids[cols.paths.toArray().indexOf(path)];
          assert.equal(first.paths.length, 2);
          assert.notEqual(idOf(first, '/a'), idOf(first, '/b'));
          const b = first.paths.toArray().indexOf('/b');
          assert.equal(first.sizes[b], 7);
          assert.equal(first.mtimes[b], NOW);
          assert.equal(Buffer.from(first.sha256.subarray(b * 32, b * 32 + 32)).toString('hex'), 'b'.repeat(64));
          assert.equal(Buffer.from(first.sha1.subarray(b * 20, b * 20 + 20)).toString('hex'), '0'.repeat(40), 'not computed: zeros');
          await store.replaceFiles([repoFile('/b', 8), repoFile('/c')], []);
          const second = await store.readFileColumns();
          assert.equal(idOf(second, '/b'), idOf(first, '/b'), 'a changed file keeps its id');
          assert.ok(![idOf(first, '/a'), idOf(first, '/b')].includes(idOf(second, '/c')!), "a new path does not take a removed one's id");
          await store.replaceFiles([repoFile('/a')], []);
          const third = await store.readFileColumns();
          assert.ok(![idOf(first, '/a'), idOf(first, '/b'), idOf(second, '/c')].includes(idOf(third, '/a')!), 'a path that comes back gets a new id');
          await store.replaceFiles([repoFile('/x', 1, { sha1: '', sha256: '', md5: '' })], []);
          const bare = await store.readFileColumns();
          assert.deepEqual([bare.sha1.length, bare.sha256.length, bare.md5.length], [0, 0, 0]);
        }),
      );
    });

    describe('mirror files', () => {
      it(
        'replaces a listing, counting the differences on repeated calls',
        withStore(async (store) => {
          const { id } = await addPlain(store, 'Scanned');
          await store.replaceFiles(['/a', '/b', '/c', '/d'].map((p) => repoFile(p)), []);
          const first = [mirrorFile('/b', 2), mirrorFile('/a', 1), mirrorFile('/c', 3, 0), mirrorFile('/not-in-the-index')];
          assert.deepEqual(await store.replaceMirrorFiles(id, first), counts(3, 3, 0, 0), 'paths outside the index are not kept');
          assert.deepEqual(await store.listMirrorFiles(id), byPath(first.slice(0, 3)));
          assert.deepEqual(await store.replaceMirrorFiles(id, first), counts(3, 0, 0, 0));

          const second = [mirrorFile('/a', 1), mirrorFile('/b', 20), mirrorFile('/c', 3, NOW + 0.5), mirrorFile('/d', 4)];
          assert.deepEqual(await store.replaceMirrorFiles(id, second), counts(4, 1, 2, 0));
          assert.deepEqual(await store.listMirrorFiles(id), byPath(second));

          assert.deepEqual(await store.replaceMirrorFiles(id, [mirrorFile('/d', 4)]), counts(1, 0, 0, 3));
          assert.deepEqual(await store.replaceMirrorFiles(id, [mirrorFile('/d', 4), mirrorFile('/d', 5)]), counts(1, 0, 1, 0));
          assert.deepEqual(await store.listMirrorFiles(id), [mirrorFile('/d', 5)]);
          // Exact (the index's size and mtime) and differing copies, in compact form.
          assert.deepEqual(await store.replaceMirrorFiles(id, [mirrorFile('/a'), mirrorFile('/b', 100, NOW - 1000)]), counts(2, 2, 0, 1));
          const held = await store.getHoldings(id);
          assert.equal(held.diffIds.length, 1);
          assert.deepEqual([held.diffSizes[0], held.diffMtimes[0]], [100, NOW - 1000]);
          assert.ok(held.bits.some((b) => b !== 0));
          assert.deepEqual(await store.replaceMirrorFiles(id, []), counts(0, 0, 0, 2));
          assert.deepEqual(await store.listMirrorFiles(id), []);
          assert.deepEqual(await store.getHoldings(4242), { bits: new Uint8Array(0), diffIds: new Uint32Array(0), diffSizes: new Float64Array(0), diffMtimes: new Float64Array(0) });
        }),
      );

      it(
        "keeps each mirror's listing apart",
        withStore(async (store) => {
          const one = await addPlain(store, 'One');
          const two = await addPlain(store, 'Two');
          await store.replaceFiles([repoFile('/shared'), repoFile('/only-one')], []);
          await store.replaceMirrorFiles(one.id, [mirrorFile('/shared', 1), mirrorFile('/only-one')]);
          await store.replaceMirrorFiles(two.id, [mirrorFile('/shared', 2)]);
          assert.deepEqual(await store.replaceMirrorFiles(two.id, [mirrorFile('/shared', 2)]), counts(1, 0, 0, 0));
          assert.deepEqual(await store.listMirrorFiles(one.id), [mirrorFile('/only-one'), mirrorFile('/shared', 1)]);
          assert.deepEqual(await store.listMirrorFiles(two.id), [mirrorFile('/shared', 2)]);
        }),
      );

      it(
        'replaces a listing given by file id exactly as the same listing given by path',
        withStore(async (store) => {
          const byId = await addPlain(store, 'ById');
          const byPathMirror = await addPlain(store, 'ByPath');
          await store.replaceFiles(['/a', '/b', '/c', '/d'].map((p) => repoFile(p)), []);
          const columns = await store.readFileColumns();
          const ids = new Map(columns.paths.toArray().map((path, i) => [path, columns.ids[i]!]));
          const listings = [
            [mirrorFile('/b', 2), mirrorFile('/a', 1), mirrorFile('/c', 3, 0)],
            [mirrorFile('/a', 1), mirrorFile('/b', 20), mirrorFile('/c', 3, NOW + 0.5), mirrorFile('/d', 4)],
            [mirrorFile('/d', 4), mirrorFile('/d', 5)],
            [mirrorFile('/a'), mirrorFile('/b', 100, NOW - 1000)],
            [],
          ];
          for (const listing of listings) {
            const expected = await store.replaceMirrorFiles(byPathMirror.id, listing);
            const copies = copiesOf(listing.map((f) => ({ id: ids.get(f.path)!, size: f.size, mtimeMs: f.mtimeMs })));
            assert.deepEqual(await store.replaceMirrorCopies(byId.id, copies), expected, JSON.stringify(listing));
            assert.deepEqual(await store.getHoldings(byId.id), await store.getHoldings(byPathMirror.id));
            assert.deepEqual(await store.replaceMirrorCopies(byId.id, copies), counts(expected.total, 0, 0, 0), 'again: no change');
          }
          // Ids the index does not have (never given, or removed since) are dropped; arrays may be longer than `length`.
          const gone = ids.get('/d')!;
          await store.replaceFiles(['/a', '/b', '/c'].map((p) => repoFile(p)), []);
          const copies = copiesOf([{ id: ids.get('/a')!, size: 1, mtimeMs: NOW }, { id: gone, size: 1, mtimeMs: NOW }, { id: 99_999, size: 1, mtimeMs: NOW }]);
          assert.deepEqual(await store.replaceMirrorCopies(byId.id, { ...copies, length: 2 }), counts(1, 1, 0, 0));
          assert.deepEqual(await store.listMirrorFiles(byId.id), [mirrorFile('/a', 1)]);
        }),
      );

      it(
        'handles a listing of a few thousand files',
        withStore(async (store) => {
          const { id } = await addPlain(store, 'Large');
          const files = Array.from({ length: 5000 }, (_, i) => mirrorFile(`/tree/${String(i).padStart(5, '0')}.bin`, i, NOW + i));
          await store.replaceFiles(
            files.map((f) => repoFile(f.path, f.size, { mtimeMs: f.mtimeMs })),
            [],
          );
          assert.deepEqual(await store.replaceMirrorFiles(id, files), counts(5000, 5000, 0, 0));
          const next = files.slice(100).map((f, i) => (i % 1000 === 0 ? { ...f, size: f.size + 1 } : f));
          assert.deepEqual(await store.replaceMirrorFiles(id, next), counts(4900, 0, 5, 100));
          assert.deepEqual(await store.listMirrorFiles(id), next);
        }),
      );
    });

    describe('logs', () => {
      it(
        'lists entries in the order appended, newest last, limited to the newest',
        withStore(async (store) => {
          const { id } = await addPlain(store, 'Logged');
          const other = await addPlain(store, 'Other');
          // Times deliberately out of order: the order is that of appending.
          const entries: LogEntry[] = [
            { time: NOW + 30, kind: 'added', message: 'Mirror added' },
            { time: NOW + 10, kind: 'scan-started', message: 'scan started' },
            { time: NOW + 20, kind: 'scan-failed', message: 'rsync: connection refused (exit 10)\nsecond line' },
          ];
          for (const entry of entries) await store.appendLog(id, entry);
          await store.appendLog(other.id, { time: NOW, kind: 'added', message: 'other' });
          assert.deepEqual(await store.listLogs(id, 10), entries);
          assert.deepEqual(await store.listLogs(id, 3), entries);
          assert.deepEqual(await store.listLogs(id, 2), entries.slice(1));
          assert.deepEqual(await store.listLogs(id, 1), entries.slice(2));
          assert.deepEqual(await store.listLogs(id, 0), []);
          assert.deepEqual(await store.listLogs(id, -1), []);
          assert.deepEqual(await store.listLogs(id, Number.POSITIVE_INFINITY), entries);
        }),
      );

      it(
        `keeps at most ${MAX_LOG_ENTRIES} entries per mirror, dropping the oldest`,
        withStore(async (store) => {
          const { id } = await addPlain(store, 'Chatty');
          const quiet = await addPlain(store, 'Quiet');
          await store.appendLog(quiet.id, { time: NOW, kind: 'added', message: 'quiet' });
          const extra = 5;
          for (let i = 0; i < MAX_LOG_ENTRIES + extra; i++) await store.appendLog(id, { time: NOW + i, kind: 'state', message: `entry ${i}` });
          const kept = await store.listLogs(id, MAX_LOG_ENTRIES + 100);
          assert.equal(kept.length, MAX_LOG_ENTRIES);
          assert.equal(kept[0]?.message, `entry ${extra}`);
          assert.equal(kept.at(-1)?.message, `entry ${MAX_LOG_ENTRIES + extra - 1}`);
          assert.deepEqual(await store.listLogs(quiet.id, 10), [{ time: NOW, kind: 'added', message: 'quiet' }]);
        }),
      );
    });

    describe('events', () => {
      it(
        'publishes one event per write, with its payload',
        withStore(async (store) => {
          const events = record(store);
          const mirror = await addPlain(store, 'Eventful');
          await store.updateMirror(mirror.id, { enabled: true });
          await store.replaceFiles([repoFile('/a')], []);
          await store.replaceMirrorFiles(mirror.id, [mirrorFile('/a')]);
          await store.appendLog(mirror.id, { time: NOW, kind: 'enabled', message: 'logs publish nothing' });
          await store.removeMirror(mirror.id);
          const expected: StoreEvent[] = [
            { type: 'mirror', id: mirror.id },
            { type: 'mirror', id: mirror.id },
            { type: 'files' },
            { type: 'mirror-files', id: mirror.id },
            { type: 'mirror', id: mirror.id },
          ];
          assert.deepEqual(await events.waitFor(expected.length), expected);
        }),
      );

      it(
        'publishes a change of symlinks alone as a files event',
        withStore(async (store) => {
          await store.replaceFiles([repoFile('/a')], []);
          const events = record(store);
          await store.replaceFiles([repoFile('/a')], [{ path: '/latest', target: '/a' }]);
          assert.deepEqual(await events.waitFor(1), [{ type: 'files' }]);
        }),
      );

      it(
        'publishes nothing for writes that change nothing or fail',
        withStore(async (store) => {
          const mirror = await store.addMirror(fullSettings('Steady'), fullState());
          await store.replaceFiles([repoFile('/a')], [{ path: '/l', target: '/a' }]);
          await store.replaceMirrorFiles(mirror.id, [mirrorFile('/a')]);
          const events = record(store);

          await store.replaceFiles([repoFile('/a')], [{ path: '/l', target: '/a' }]);
          await store.replaceMirrorFiles(mirror.id, [mirrorFile('/a')]);
          await store.updateMirror(mirror.id, {});
          await store.updateMirror(mirror.id, { score: mirror.score, countryCodes: [...mirror.countryCodes], enabled: mirror.enabled });
          await assert.rejects(store.addMirror(fullSettings('STEADY'), fullState()), NameTakenError);
          await assert.rejects(store.updateMirror(4242, { score: 1 }), NotFoundError);
          await assert.rejects(store.removeMirror(4242), NotFoundError);
          await assert.rejects(store.replaceMirrorFiles(4242, []), NotFoundError);
          // A write that does publish, so that anything published before it has arrived too.
          await store.updateMirror(mirror.id, { score: 99 });
          await events.waitFor(1);
          await new Promise((done) => setTimeout(done, 20));
          assert.deepEqual(events.seen, [{ type: 'mirror', id: mirror.id }]);
        }),
      );

      it(
        'stops delivering to a listener once it unsubscribes',
        withStore(async (store) => {
          const leaving = record(store);
          const staying = record(store);
          const one = await addPlain(store, 'One');
          await leaving.waitFor(1);
          leaving.stop();
          leaving.stop(); // a second call is harmless
          const two = await addPlain(store, 'Two');
          assert.deepEqual(await staying.waitFor(2), [
            { type: 'mirror', id: one.id },
            { type: 'mirror', id: two.id },
          ]);
          assert.deepEqual(leaving.seen, [{ type: 'mirror', id: one.id }]);
        }),
      );

      it(
        'keeps working when a listener throws',
        withStore(async (store) => {
          store.subscribe(() => {
            throw new Error('listener failure (expected by this test)');
          });
          const events = record(store);
          const mirror = await addPlain(store, 'Robust');
          assert.deepEqual(await events.waitFor(1), [{ type: 'mirror', id: mirror.id }]);
          assert.equal((await store.getMirror(mirror.id))?.name, 'Robust');
          await store.updateMirror(mirror.id, { score: 1 });
          await events.waitFor(2);
        }),
      );

      it(
        'delivers the writes of every handle on the same store',
        withStore(async (store, fixture) => {
          const other = await fixture.reopen();
          const here = record(store);
          const there = record(other);
          const a = await addPlain(other, 'ViaOther');
          const b = await addPlain(store, 'ViaFirst');
          const expected: StoreEvent[] = [
            { type: 'mirror', id: a.id },
            { type: 'mirror', id: b.id },
          ];
          assert.deepEqual(await here.waitFor(2), expected);
          assert.deepEqual(await there.waitFor(2), expected);
          assert.equal((await store.getMirror(a.id))?.name, 'ViaOther');
        }),
      );

      it(
        'delivers nothing to the listeners of a closed handle',
        withStore(async (store, fixture) => {
          const other = await fixture.reopen();
          const closed = record(other);
          await other.close();
          const live = record(store);
          await addPlain(store, 'AfterClose');
          await live.waitFor(1);
          await new Promise((done) => setTimeout(done, 20));
          assert.deepEqual(closed.seen, []);
        }),
      );
    });

    describe('download statistics', () => {
      it(
        'sums a batch exactly per file and per mirror for every day, month, year and the total',
        withStore(async (store) => {
          await store.addDownloads(sampleDownloads);
          for (const path of ['/a.iso', '/b/c d.bin']) {
            const expected = Object.fromEntries(samplePeriods.map((period) => [period, expectedFile(sampleDownloads, path, period)]));
            assert.deepEqual(await store.fileDownloads(path, samplePeriods), expected, path);
          }
          // A few written out, so that a mistake shared by the store and the naive sums would still show.
          assert.deepEqual(await store.fileDownloads('/a.iso', ['', '2024', '2024-05', '2024-05-07']), { '': 19, '2024': 12, '2024-05': 7, '2024-05-07': 5 });
          for (const period of samplePeriods) {
            assert.deepEqual(byKey(await store.mirrorDownloads(period)), byKey(expectedMirrors(sampleDownloads, (l) => l.day.startsWith(period))), period);
          }
          assert.deepEqual(byKey(await store.mirrorDownloads('')), [
            [0, { count: 5, bytes: 500 }],
            [1, { count: 7, bytes: 610 }],
            [2, { count: 12, bytes: 840 }],
          ]);
        }),
      );

      it(
        'adds batches up, and lines repeated within a batch',
        withStore(async (store) => {
          const repeated = [download('2024-05-07', '/x', 3, 1, 10), download('2024-05-07', '/x', 3, 2, 20)];
          await store.addDownloads(sampleDownloads);
          await store.addDownloads([]);
          await store.addDownloads(sampleDownloads);
          await store.addDownloads(repeated);
          const all = [...sampleDownloads, ...sampleDownloads, ...repeated];
          for (const path of ['/a.iso', '/b/c d.bin', '/x']) {
            const expected = Object.fromEntries(samplePeriods.map((period) => [period, expectedFile(all, path, period)]));
            assert.deepEqual(await store.fileDownloads(path, samplePeriods), expected, path);
          }
          assert.deepEqual(await store.fileDownloads('/x', ['2024-05-07', '']), { '2024-05-07': 3, '': 3 });
          for (const period of samplePeriods) {
            assert.deepEqual(byKey(await store.mirrorDownloads(period)), byKey(expectedMirrors(all, (l) => l.day.startsWith(period))), period);
          }
        }),
      );

      it(
        'reads 0 for unknown files and periods, and no mirrors for a period without downloads',
        withStore(async (store) => {
          assert.deepEqual(await store.fileDownloads('/never.iso', ['', '2024', '2024-05', '2024-05-07']), { '': 0, '2024': 0, '2024-05': 0, '2024-05-07': 0 });
          assert.deepEqual(await store.fileDownloads('/never.iso', []), {});
          assert.deepEqual(byKey(await store.mirrorDownloads('')), []);
          await store.addDownloads(sampleDownloads);
          assert.deepEqual(await store.fileDownloads('/never.iso', ['']), { '': 0 });
          assert.deepEqual(await store.fileDownloads('/a.iso', ['1999', '2024-07', '2024-05-09']), { '1999': 0, '2024-07': 0, '2024-05-09': 0 });
          assert.deepEqual(byKey(await store.mirrorDownloads('2026')), []);
          assert.deepEqual(byKey(await store.mirrorDownloads('2024-05-09')), []);
          assert.deepEqual(await store.dailyDownloads('2030-01-01', '2030-12-31'), []);
        }),
      );

      it(
        'reads ranges of days inclusive of both ends, empty when they are crossed',
        withStore(async (store) => {
          await store.addDownloads(sampleDownloads);
          const ranges: [from: string, to: string][] = [
            ['2024-05-07', '2024-06-01'],
            ['2024-05-08', '2024-05-08'],
            ['2024-05-07', '2024-05-07'],
            ['2024-05-09', '2024-05-31'],
            ['2023-12-31', '2024-01-01'],
            ['2000-01-01', '2099-12-31'],
            ['2024-06-01', '2024-05-07'],
          ];
          for (const [from, to] of ranges) {
            const inside = (l: DownloadCount) => l.day >= from && l.day <= to;
            const files = new Map<string, number>();
            for (const l of sampleDownloads.filter(inside)) files.set(l.path, (files.get(l.path) ?? 0) + l.count);
            assert.deepEqual(byKey(await store.fileDownloadsBetween(from, to)), byKey(files), `files ${from}..${to}`);
            assert.deepEqual(byKey(await store.mirrorDownloadsBetween(from, to)), byKey(expectedMirrors(sampleDownloads, inside)), `mirrors ${from}..${to}`);
          }
          assert.deepEqual(byKey(await store.fileDownloadsBetween('2024-05-07', '2024-06-01')), [
            ['/a.iso', 12],
            ['/b/c d.bin', 4],
          ]);
          assert.deepEqual(await store.dailyDownloads('2023-12-31', '2024-06-01'), [
            { day: '2023-12-31', count: 1, bytes: 10 },
            { day: '2024-05-07', count: 9, bytes: 540 },
            { day: '2024-05-08', count: 2, bytes: 200 },
            { day: '2024-06-01', count: 5, bytes: 500 },
          ]);
          assert.deepEqual(await store.dailyDownloads('2024-05-08', '2024-05-08'), [{ day: '2024-05-08', count: 2, bytes: 200 }]);
          assert.deepEqual(await store.dailyDownloads('2024-06-01', '2024-05-07'), []);
        }),
      );

      it(
        'prunes only the days before the one given, keeping months, years and totals',
        withStore(async (store) => {
          await store.addDownloads(sampleDownloads);
          // Daily counters before 2024-05-08: (2023-12-31, /b/c d.bin), (2024-05-07, /a.iso), (2024-05-07, /b/c d.bin)
          // for files, (2023-12-31, 1), (2024-05-07, 1), (2024-05-07, 2) for mirrors.
          assert.equal(await store.pruneDailyDownloads('2024-05-08'), 6);
          assert.equal(await store.pruneDailyDownloads('2024-05-08'), 0);
          assert.deepEqual(await store.fileDownloads('/a.iso', ['2024-05-07', '2024-05-08', '2024-05', '2024', '']), {
            '2024-05-07': 0,
            '2024-05-08': 2,
            '2024-05': 7,
            '2024': 12,
            '': 19,
          });
          assert.deepEqual(await store.fileDownloads('/b/c d.bin', ['2023-12-31', '2023-12', '2023', '']), { '2023-12-31': 0, '2023-12': 1, '2023': 1, '': 5 });
          assert.deepEqual(byKey(await store.mirrorDownloads('2024-05-07')), []);
          assert.deepEqual(byKey(await store.mirrorDownloads('2024-05')), [
            [1, { count: 6, bytes: 600 }],
            [2, { count: 5, bytes: 140 }],
          ]);
          assert.deepEqual(byKey(await store.mirrorDownloads('')), byKey(expectedMirrors(sampleDownloads, () => true)));
          const kept = sampleDownloads.filter((l) => l.day >= '2024-05-08');
          assert.deepEqual(byKey(await store.mirrorDownloadsBetween('2000-01-01', '2099-12-31')), byKey(expectedMirrors(kept, () => true)));
          assert.deepEqual(byKey(await store.fileDownloadsBetween('2000-01-01', '2099-12-31')), [['/a.iso', 14]]);
          assert.deepEqual(
            (await store.dailyDownloads('2000-01-01', '2099-12-31')).map((d) => d.day),
            ['2024-05-08', '2024-06-01', '2025-01-01'],
          );
          assert.equal(await store.pruneDailyDownloads('2099-01-01'), 6);
          assert.deepEqual(await store.dailyDownloads('2000-01-01', '2099-12-31'), []);
          assert.deepEqual(await store.fileDownloads('/a.iso', ['']), { '': 19 });
        }),
      );

      it(
        'refuses a batch holding an invalid line with a StoreError naming it, keeping nothing of the batch',
        withStore(async (store) => {
          await store.addDownloads(sampleDownloads);
          const before = await snapshot(store);
          const valid = download('2024-05-07', '/new', 1, 1, 1);
          const invalid: [line: DownloadCount, named: RegExp][] = [
            [download('2024-05-07', '/a.iso', 1, -1, 10), /count -1/],
            [download('2024-05-07', '/a.iso', 1, 0, 10), /count 0/],
            [download('2024-05-07', '/a.iso', 1, 1.5, 10), /count 1\.5/],
            [download('2024-05-07', '/a.iso', 1, Number.NaN, 10), /count NaN/],
            [download('2024-05-07', '/a.iso', 1, 1, -5), /bytes -5/],
            [download('2024-05-07', '/a.iso', 1, 1, Number.POSITIVE_INFINITY), /bytes Infinity/],
            [download('2024-05-07', '/a.iso', -1, 1, 1), /mirror id -1/],
            [download('2024-05-07', '/a.iso', 0.5, 1, 1), /mirror id 0\.5/],
            [download('2024-13-01', '/a.iso', 1, 1, 1), /2024-13-01/],
            [download('2024-02-30', '/a.iso', 1, 1, 1), /2024-02-30/],
            [download('2023-02-29', '/a.iso', 1, 1, 1), /2023-02-29/],
            [download('2024-5-7', '/a.iso', 1, 1, 1), /2024-5-7/],
            [download('2024-05', '/a.iso', 1, 1, 1), /2024-05/],
            [download('2024-05-07T00:00:00Z', '/a.iso', 1, 1, 1), /2024-05-07T00/],
            [download('', '/a.iso', 1, 1, 1), /day ""/],
            [download('2024-05-07', '', 1, 1, 1), /path/],
          ];
          for (const [line, named] of invalid) {
            await assert.rejects(store.addDownloads([valid, valid, line, valid]), (err: unknown) => {
              assert.ok(err instanceof StoreError, `${String(err)} is a StoreError`);
              assert.match(err.message, named);
              assert.match(err.message, /line 3\b/);
              return true;
            }, JSON.stringify(line));
          }
          assert.deepEqual(await snapshot(store), before);
          // A leap day is a real day.
          await store.addDownloads([download('2024-02-29', '/leap', 1, 1, 1)]);
          assert.deepEqual(await store.fileDownloads('/leap', ['2024-02-29']), { '2024-02-29': 1 });
        }),
      );

      it(
        'refuses malformed periods and days in its readers with a StoreError naming them',
        withStore(async (store) => {
          const calls: [string, () => Promise<unknown>][] = [
            ['2024-5', () => store.fileDownloads('/a', ['', '2024-5'])],
            ['2024-13', () => store.fileDownloads('/a', ['2024-13'])],
            ['24', () => store.mirrorDownloads('24')],
            ['2024-02-30', () => store.mirrorDownloads('2024-02-30')],
            ['yesterday', () => store.fileDownloadsBetween('yesterday', '2024-05-07')],
            ['2024-05', () => store.mirrorDownloadsBetween('2024-05-01', '2024-05')],
            ['2024-02-30', () => store.dailyDownloads('2024-02-01', '2024-02-30')],
            ['2024', () => store.pruneDailyDownloads('2024')],
          ];
          for (const [named, call] of calls) {
            await assert.rejects(call(), (err: unknown) => {
              assert.ok(err instanceof StoreError, `${String(err)} is a StoreError`);
              assert.ok(err.message.includes(`"${named}"`), `"${err.message}" names ${named}`);
              return true;
            });
          }
        }),
      );

      it(
        'keeps the statistics of a removed mirror, and a new mirror does not inherit them',
        withStore(async (store) => {
          const gone = await addPlain(store, 'Gone');
          await store.addDownloads([download('2024-05-07', '/a.iso', gone.id, 2, 20)]);
          await store.removeMirror(gone.id);
          assert.deepEqual(byKey(await store.mirrorDownloads('')), [[gone.id, { count: 2, bytes: 20 }]]);
          const next = await addPlain(store, 'Next');
          assert.equal((await store.mirrorDownloads('')).get(next.id), undefined);
        }),
      );

      it(
        'publishes no event for statistics',
        withStore(async (store) => {
          const mirror = await addPlain(store, 'Counted');
          const events = record(store);
          await store.addDownloads(sampleDownloads);
          await store.pruneDailyDownloads('2024-05-08');
          // A write that does publish, so that anything published before it has arrived too.
          await store.updateMirror(mirror.id, { score: 3 });
          await events.waitFor(1);
          await new Promise((done) => setTimeout(done, 20));
          assert.deepEqual(events.seen, [{ type: 'mirror', id: mirror.id }]);
        }),
      );

      it(
        'keeps the statistics across close and reopen, and sees those of another handle',
        withStore(async (store, fixture) => {
          await store.addDownloads(sampleDownloads);
          const before = await snapshot(store);
          await store.close();
          const reopened = await fixture.reopen();
          assert.deepEqual(await snapshot(reopened), before);
          const other = await fixture.reopen();
          await other.addDownloads([download('2024-05-07', '/a.iso', 1, 1, 1)]);
          assert.deepEqual(await reopened.fileDownloads('/a.iso', ['2024-05-07', '']), { '2024-05-07': 6, '': 20 });
        }),
      );
    });

    describe('lifecycle', () => {
      it(
        'keeps everything across close and reopen',
        withStore(async (store, fixture) => {
          const full = await store.addMirror(fullSettings('Durable'), fullState());
          const plain = await addPlain(store, 'Plain');
          await store.updateMirror(plain.id, { score: 7.25, countryCodes: ['JP'] });
          const files = [repoFile('/x.iso', 10, { mtimeMs: NOW + 0.25 }), repoFile('/y.iso', 20)];
          const links: RepoLink[] = [{ path: '/z', target: '/x.iso' }, { path: '/out', target: null }];
          await store.replaceFiles(files, links);
          await store.replaceMirrorFiles(full.id, [mirrorFile('/x.iso', 10, NOW)]);
          await store.appendLog(full.id, { time: NOW, kind: 'added', message: 'Mirror added' });
          const mirrors = await store.listMirrors();
          const version = await store.schemaVersion();
          await store.close();

          const reopened = await fixture.reopen();
          assert.deepEqual(await reopened.listMirrors(), mirrors);
          assert.deepEqual(await reopened.listFiles(), byPath(files));
          assert.deepEqual(await reopened.listLinks(), byPath(links));
          assert.deepEqual(await reopened.listMirrorFiles(full.id), [mirrorFile('/x.iso', 10, NOW)]);
          assert.deepEqual(await reopened.listLogs(full.id, 10), [{ time: NOW, kind: 'added', message: 'Mirror added' }]);
          assert.equal(await reopened.schemaVersion(), version);
          // Ids keep counting from where they were.
          const next = await addPlain(reopened, 'Next');
          assert.ok(!mirrors.some((m) => m.id === next.id));
        }),
      );

      it(
        'closes idempotently, then refuses calls with a StoreError',
        withStore(async (store) => {
          await store.close();
          await store.close();
          const calls: [string, () => Promise<unknown>][] = [
            ['ping', () => store.ping()],
            ['schemaVersion', () => store.schemaVersion()],
            ['listMirrors', () => store.listMirrors()],
            ['listFiles', () => store.listFiles()],
            ['addMirror', () => addPlain(store, 'Late')],
            ['replaceFiles', () => store.replaceFiles([], [])],
            ['addDownloads', () => store.addDownloads([download('2024-05-07', '/a', 1, 1, 1)])],
            ['fileDownloads', () => store.fileDownloads('/a', [''])],
            ['mirrorDownloads', () => store.mirrorDownloads('')],
            ['pruneDailyDownloads', () => store.pruneDailyDownloads('2024-05-07')],
          ];
          for (const [method, call] of calls) await assert.rejects(call(), isStoreError, method);
        }),
      );
    });
  });
};
