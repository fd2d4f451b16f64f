// The demo's sample repository and mirrors: a few releases, mirrors on several continents, one partial, one outdated.
import { cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const SAMPLE_FILES: Record<string, string> = {
  '/README.txt': 'Signpost demo repository.\n',
  '/releases/1.0/tool-1.0.tar.gz': 'release 1.0 '.repeat(2000),
  '/releases/2.0/tool-2.0.tar.gz': 'release 2.0 '.repeat(4000),
  '/releases/2.0/tool-2.0.tar.gz.asc': '-----BEGIN PGP SIGNATURE-----\ndemo\n-----END PGP SIGNATURE-----\n',
  '/iso/demo-os-2.0-amd64.iso': 'iso image '.repeat(20000),
};

const MTIME = new Date('2026-11-01T12:00:00Z');

export const writeTree = (root: string, files: Record<string, string>, mtime = MTIME): void => {
  for (const [path, content] of Object.entries(files)) {
    const local = join(root, path);
    mkdirSync(dirname(local), { recursive: true });
    writeFileSync(local, content);
    utimesSync(local, mtime, mtime);
  }
};

export interface DemoMirror {
  name: string;
  country: string;
  latitude: number;
  longitude: number;
  /** How the mirror's copy differs from the repository. */
  kind: 'full' | 'partial' | 'outdated';
}

export const DEMO_MIRRORS: DemoMirror[] = [
  { name: 'eu-paris', country: 'FR', latitude: 48.8566, longitude: 2.3522, kind: 'full' },
  { name: 'eu-frankfurt', country: 'DE', latitude: 50.1109, longitude: 8.6821, kind: 'full' },
  { name: 'na-newyork', country: 'US', latitude: 40.7128, longitude: -74.006, kind: 'full' },
  { name: 'na-seattle', country: 'US', latitude: 47.6062, longitude: -122.3321, kind: 'outdated' },
  { name: 'as-tokyo', country: 'JP', latitude: 35.6762, longitude: 139.6503, kind: 'full' },
  { name: 'sa-saopaulo', country: 'BR', latitude: -23.5505, longitude: -46.6333, kind: 'partial' },
];

/** Builds a mirror's tree from the repository according to its kind. */
export const buildMirrorTree = (repo: string, root: string, mirror: DemoMirror): void => {
  // A partial mirror has not synced the large files of release 2.0.
  const skip = mirror.kind === 'partial' ? ['.iso', 'tool-2.0.tar.gz'] : [];
  cpSync(repo, root, { recursive: true, preserveTimestamps: true, filter: (src) => !skip.some((end) => src.endsWith(end)) });
  if (mirror.kind === 'outdated') {
    writeTree(root, { '/releases/2.0/tool-2.0.tar.gz': 'release 2.0-rc1 '.repeat(3000) }, new Date('2026-10-01T12:00:00Z'));
  }
};
