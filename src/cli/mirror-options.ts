// The mirror flags shared by `add` and `edit` (SPEC §1), mapped to the admin API's field names.
import type { ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

const TEXT: Record<string, string> = {
  http: 'httpURL',
  rsync: 'rsyncURL',
  ftp: 'ftpURL',
  latitude: 'latitude',
  longitude: 'longitude',
  country: 'countryCodes',
  continent: 'continentCode',
  asn: 'asnum',
  'exclude-countries': 'excludedCountryCodes',
  score: 'score',
  'sponsor-name': 'sponsorName',
  'sponsor-url': 'sponsorURL',
  'sponsor-logo': 'sponsorLogoURL',
  'admin-name': 'adminName',
  'admin-email': 'adminEmail',
  'custom-data': 'customData',
  comment: 'comment',
  'allow-redirects': 'allowRedirects',
  name: 'name',
};

const FLAGS: Record<string, string> = { 'country-only': 'countryOnly', 'continent-only': 'continentOnly', 'as-only': 'asOnly' };

export const mirrorOptions: Options = {
  ...Object.fromEntries(Object.keys(TEXT).map((k) => [k, { type: 'string' as const }])),
  ...Object.fromEntries(Object.keys(FLAGS).flatMap((k) => [[k, { type: 'boolean' as const }], [`no-${k}`, { type: 'boolean' as const }]])),
  enable: { type: 'boolean' },
};

/** The admin API fields set by the given flags; numbers stay strings, the server validates them. */
export const mirrorFields = (values: Record<string, string | boolean | (string | boolean)[] | undefined>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(TEXT)) {
    const v = values[flag];
    if (typeof v === 'string') out[field] = v;
  }
  for (const [flag, field] of Object.entries(FLAGS)) {
    if (values[flag] === true) out[field] = true;
    if (values[`no-${flag}`] === true) out[field] = false;
  }
  return out;
};
