import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom, testMirror } from '../selection/fixture.js';
import { mirrorJSON, mirrorJSONText, type PlacedMirror } from './mirror-json.js';

describe('mirrorJSONText', () => {
  it('is JSON.stringify(mirrorJSON(...)) for mirrors of every shape, and for any placement', () => {
    const random = seededRandom(11);
    for (let n = 0; n < 2000; n++) {
      const mirror = testMirror({
        id: n,
        name: random() < 0.1 ? 'quote " and \\ and </script>' : `m${n}`,
        httpURL: 'https://m.example.org/',
        rsyncURL: random() < 0.3 ? 'rsync://user:secret@m.example.org/pub/' : '',
        httpDownReason: random() < 0.3 ? 'Got status 404' : '',
        httpsDownReason: random() < 0.3 ? 'Down' : '',
        allowRedirects: (['default', 'yes', 'no'] as const)[n % 3]!,
        lastSync: random() < 0.5 ? 0 : 1_717_000_000_000 + n,
        score: Math.round(random() * 100) - 50,
        latitude: random() * 180 - 90,
        countryCodes: random() < 0.5 ? ['FR', 'BE'] : [],
      });
      const placed: PlacedMirror = {
        mirror,
        url: `https://m${n}.example.org/`,
        distance: random() * 20000,
        score: random() < 0.5 ? Math.floor(random() * 20000) : undefined,
        share: random() < 0.5 ? random() * 100 : random() < 0.5 ? 0 : undefined,
        reason: random() < 0.3 ? 'File size mismatch' : undefined,
      };
      assert.equal(mirrorJSONText(placed), JSON.stringify(mirrorJSON(placed)), `case ${n}`);
      assert.equal(mirrorJSONText(placed), JSON.stringify(mirrorJSON(placed)), `case ${n}, cached`);
    }
  });
});
