import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toCSV, toMirmon } from './export.js';
import type { MirrorView } from '../mirrors/view.js';

const mirror = (over: Partial<MirrorView>): MirrorView => ({
  id: 1, name: 'm', enabled: true, state: 'up', reason: null, since: null, http: 'http://m.example.org/pub/', rsync: '', ftp: '',
  country: ['FR'], continent: 'EU', asn: 1, latitude: 1, longitude: 2, score: 0, adminEmail: 'ops@example.org', ...over,
});

describe('export', () => {
  it('writes mirmon lines, both schemes for a scheme-less URL, without credentials', () => {
    const text = toMirmon([
      mirror({}),
      mirror({ name: 'b', http: 'b.example.org/', rsync: 'rsync://user:secret@b.example.org/pub/', country: ['DE', 'FR'], adminEmail: '' }),
    ]);
    assert.equal(text, 'fr http://m.example.org/pub/ ops@example.org\nde http://b.example.org/\nde https://b.example.org/\nde rsync://b.example.org/pub/\n');
  });
  it('writes CSV with quoting and no formula injection', () => {
    const csv = toCSV([mirror({ name: 'x', sponsorName: '=HYPERLINK("evil")', adminName: 'Doe, John' })]);
    const [header, row] = csv.split('\r\n');
    assert.match(header!, /^name,enabled,state,http/);
    assert.match(row!, /,"'=HYPERLINK\(""evil""\)","Doe, John",/);
  });
});
