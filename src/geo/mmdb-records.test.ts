import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asnFields, locationFields } from './mmdb-records.js';

describe('mmdb record shapes', () => {
  const locations: [string, unknown, object | undefined][] = [
    [
      'GeoIP2 City',
      { city: { names: { en: 'Lyon', fr: 'Lyon' } }, continent: { code: 'EU' }, country: { iso_code: 'FR', names: { en: 'France' } }, location: { latitude: 45.764, longitude: 4.8357 } },
      { countryCode: 'FR', country: 'France', continentCode: 'EU', city: 'Lyon', latitude: 45.764, longitude: 4.8357 },
    ],
    ['GeoIP2 Country, no English name', { country: { iso_code: 'de', names: { fr: 'Allemagne' } } }, { countryCode: 'DE', country: 'Germany', continentCode: 'EU' }],
    ['continent only', { continent: { code: 'EU' }, location: { latitude: 1, longitude: 2 } }, { continentCode: 'EU', latitude: 1, longitude: 2 }],
    [
      'ip-location-db flat',
      { city: 'Brisbane', country_code: 'AU', latitude: -27.48, longitude: 153.04, postcode: '4169', state1: 'Queensland', state2: '', timezone: 'Australia/Brisbane' },
      { countryCode: 'AU', continentCode: 'OC', country: 'Australia', city: 'Brisbane', latitude: -27.48, longitude: 153.04 },
    ],
    ['flat, unknown code and no city', { city: '', country_code: 'ZZ', latitude: 0, longitude: 0 }, { latitude: 0, longitude: 0 }],
    ['wrongly typed fields are ignored', { country: { iso_code: 7 }, city: { names: { en: ['x'] } }, location: { latitude: '45', longitude: 4 } }, {}],
    ['not a map', 'text', undefined],
    ['null', null, undefined],
  ];
  for (const [name, record, expected] of locations) it(`location: ${name}`, () => assert.deepEqual(locationFields(record), expected));

  const asns: [string, unknown, object | undefined][] = [
    ['GeoLite2-ASN', { autonomous_system_number: 1221, autonomous_system_organization: 'Telstra Pty Ltd' }, { asn: 1221, asName: 'Telstra Pty Ltd' }],
    ['no organisation', { autonomous_system_number: 209 }, { asn: 209, asName: '' }],
    ['Enterprise traits', { country: { iso_code: 'FR' }, traits: { autonomous_system_number: 3215, autonomous_system_organization: 'Orange' } }, { asn: 3215, asName: 'Orange' }],
    ['AS 0', { autonomous_system_number: 0 }, undefined],
    ['no number', { autonomous_system_organization: 'x' }, undefined],
    ['not a map', [1, 2], undefined],
  ];
  for (const [name, record, expected] of asns) it(`ASN: ${name}`, () => assert.deepEqual(asnFields(record), expected));
});
