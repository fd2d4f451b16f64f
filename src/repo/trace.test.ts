import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTraceFile } from './trace.js';

test('parseTraceFile reads Unix seconds and Debian dates, rejects the rest', () => {
  const cases: [string, string, number | undefined][] = [
    ['Mirrorbits form', '1700000000\n', 1_700_000_000_000],
    ['extra words after the time', '1700000000 master.example.org\nmore\n', 1_700_000_000_000],
    ['leading whitespace and BOM', '\uFEFF  \n 1700000000', 1_700_000_000_000],
    ['zero', '0', 0],
    ['Debian ftpsync date', 'Sat Nov 21 22:00:01 UTC 2026\nDate: whatever\n', Date.UTC(2026, 10, 21, 22, 0, 1)],
    ['Debian date with padded day', 'Sun Nov  1 03:04:05 UTC 2026\n', Date.UTC(2026, 10, 1, 3, 4, 5)],
    ['Debian date with CRLF and GMT', 'Mon Feb 29 12:00:00 GMT 2028\r\nx', Date.UTC(2028, 1, 29, 12, 0, 0)],
    ['empty', '', undefined],
    ['blank', ' \n\t', undefined],
    ['words', 'hello world', undefined],
    ['fraction', '1700000000.5', undefined],
    ['negative', '-5', undefined],
    ['number glued to text', '1700000000abc', undefined],
    ['too many digits for a date', '9999999999999', undefined],
    ['Debian date that does not exist', 'Fri Feb 30 12:00:00 UTC 2026', undefined],
    ['Debian date with bad hour', 'Sat Nov 21 25:00:01 UTC 2026', undefined],
    ['Debian date in a local zone', 'Sat Nov 21 22:00:01 CET 2026', undefined],
    ['date not on the first line', 'trace\nSat Nov 21 22:00:01 UTC 2026', undefined],
  ];
  for (const [name, text, expected] of cases) assert.equal(parseTraceFile(text), expected, name);
});
