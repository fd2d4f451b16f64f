import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEntities, parseIndexPage, parseIndexSize, type IndexEntry } from './http-index.js';

const at = (iso: string): number => Date.parse(iso);
const PAGE = 'http://mirror.example.org/pub/debian/';

const NGINX = `<html>\r
<head><title>Index of /pub/debian/</title></head>\r
<body>\r
<h1>Index of /pub/debian/</h1><hr><pre><a href="../">../</a>\r
<a href="dists/">dists/</a>                                             21-Nov-2026 12:00                   -\r
<a href="pool/">pool/</a>                                              02-Jan-2026 03:04                   -\r
<a href="README">README</a>                                             21-Nov-2026 12:00                1234\r
<a href="a%20b&c.txt">a b&amp;c.txt</a>                                       01-Feb-2025 00:00                   0\r
<a href="caf%C3%A9.iso">café.iso</a>                                           15-Mar-2024 23:59          4700372992\r
<a href="this-is-a-very-long-file-name-that-nginx-truncates-in-the-text.tar.xz">this-is-a-very-long-file-name-that-nginx-trunca..&gt;</a> 21-Nov-2026 12:00               99999\r
</pre><hr></body>\r
</html>\r
`;

const APACHE_TABLE = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>Index of /pub/debian</title>
 </head>
 <body>
<h1>Index of /pub/debian</h1>
  <table>
   <tr><th valign="top"><img src="/icons/blank.gif" alt="[ICO]"></th><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a></th><th><a href="?C=D;O=A">Description</a></th></tr>
   <tr><th colspan="5"><hr></th></tr>
<tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td><td><a href="/pub/">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/text.gif" alt="[TXT]"></td><td><a href="README.txt">README.txt</a></td><td align="right">2026-11-21 12:00  </td><td align="right">512 </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/folder.gif" alt="[DIR]"></td><td><a href="dists/">dists/</a></td><td align="right">2026-11-21 12:00  </td><td align="right">  - </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="debian-13.iso">debian-13.iso</a></td><td align="right">2026-08-09 10:11  </td><td align="right">3.7G</td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="./ls-lR:gz">ls-lR:gz</a></td><td align="right">2026-08-09 10:11  </td><td align="right">1.2K</td><td>Listing 2025-01-01 00:00</td></tr>
<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="Release%20Notes.pdf">Release Notes.pdf</a></td><td align="right">2026-08-09 10:11  </td><td align="right"> 12M</td><td>&nbsp;</td></tr>
   <tr><th colspan="5"><hr></th></tr>
</table>
<address>Apache/2.4.62 (Debian) Server at mirror.example.org Port 80</address>
</body></html>
`;

const APACHE_PRE = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>Index of /pub/debian</title>
 </head>
 <body>
<h1>Index of /pub/debian</h1>
<pre><img src="/icons/blank.gif" alt="Icon "> <a href="?C=N;O=D">Name</a>                    <a href="?C=M;O=A">Last modified</a>      <a href="?C=S;O=A">Size</a>  <a href="?C=D;O=A">Description</a><hr><img src="/icons/back.gif" alt="[PARENTDIR]"> <a href="/pub/">Parent Directory</a>                             -   
<img src="/icons/folder.gif" alt="[DIR]"> <a href="dists/">dists/</a>                  21-Nov-2026 12:00    -   
<img src="/icons/unknown.gif" alt="[   ]"> <a href="debian-13.iso">debian-13.iso</a>           09-Aug-2026 10:11  3.7G  
<img src="/icons/text.gif" alt="[TXT]"> <a href="README.txt">README.txt</a>              21-Nov-2026 12:00  512   
<hr></pre>
<address>Apache/2.2.22 (Debian) Server at mirror.example.org Port 80</address>
</body></html>
`;

const APACHE_PLAIN = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>Index of /pub/debian</title>
 </head>
 <body>
<h1>Index of /pub/debian</h1>
<ul><li><a href="/pub/"> Parent Directory</a></li>
<li><a href="dists/"> dists/</a></li>
<li><a href="README.txt"> README.txt</a></li>
</ul>
</body></html>
`;

const LIGHTTPD = `<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>Index of /pub/debian/</title>
<style type="text/css">
a, a:active {text-decoration: none; color: blue;}
</style>
</head>
<body>
<h2>Index of /pub/debian/</h2>
<div class="list">
<table summary="Directory Listing" cellpadding="0" cellspacing="0">
<thead><tr><th class="n">Name</th><th class="m">Last Modified</th><th class="s">Size</th><th class="t">Type</th></tr></thead>
<tbody>
<tr class="d"><td class="n"><a href="../">..</a>/</td><td class="m">&nbsp;</td><td class="s">- &nbsp;</td><td class="t">Directory</td></tr>
<tr class="d"><td class="n"><a href="dists/">dists</a>/</td><td class="m">2026-Nov-21 12:00:03</td><td class="s">- &nbsp;</td><td class="t">Directory</td></tr>
<tr><td class="n"><a href="README.txt">README.txt</a></td><td class="m">2026-Nov-21 12:00:03</td><td class="s">0.5K</td><td class="t">text/plain;charset=utf-8</td></tr>
<tr><td class="n"><a href="debian-13.iso">debian-13.iso</a></td><td class="m">2026-Aug-09 10:11:12</td><td class="s">3.7G</td><td class="t">application/octet-stream</td></tr>
<tr><td class="n"><a href="%E6%97%A5%E6%9C%AC.txt">日本.txt</a></td><td class="m">2026-Aug-09 10:11:12</td><td class="s">1.0M</td><td class="t">text/plain</td></tr>
</tbody>
</table>
</div>
<div class="foot">lighttpd/1.4.79</div>

<script type="text/javascript">
// <!--
var link = document.createElement("a"); link.setAttribute("href", "#");
// -->
</script>

</body>
</html>
`;

const entry = (name: string, rest: Partial<IndexEntry> = {}): IndexEntry => ({ name, isDir: false, sizeExact: false, ...rest });
const dir = (name: string, mtime: string, precision = 60_000): IndexEntry =>
  entry(name, { isDir: true, mtimeMs: at(mtime), mtimePrecisionMs: precision });

describe('parseIndexPage', () => {
  const styles: [string, string, IndexEntry[]][] = [
    [
      'nginx',
      NGINX,
      [
        dir('dists', '2026-11-21T12:00Z'),
        dir('pool', '2026-01-02T03:04Z'),
        entry('README', { size: 1234, sizeExact: true, mtimeMs: at('2026-11-21T12:00Z'), mtimePrecisionMs: 60_000 }),
        entry('a b&c.txt', { size: 0, sizeExact: true, mtimeMs: at('2025-02-01T00:00Z'), mtimePrecisionMs: 60_000 }),
        entry('café.iso', { size: 4700372992, sizeExact: true, mtimeMs: at('2024-03-15T23:59Z'), mtimePrecisionMs: 60_000 }),
        entry('this-is-a-very-long-file-name-that-nginx-truncates-in-the-text.tar.xz', {
          size: 99999,
          sizeExact: true,
          mtimeMs: at('2026-11-21T12:00Z'),
          mtimePrecisionMs: 60_000,
        }),
      ],
    ],
    [
      'Apache table',
      APACHE_TABLE,
      [
        entry('README.txt', { size: 512, sizeExact: true, mtimeMs: at('2026-11-21T12:00Z'), mtimePrecisionMs: 60_000 }),
        dir('dists', '2026-11-21T12:00Z'),
        entry('debian-13.iso', { size: Math.round(3.7 * 1024 ** 3), mtimeMs: at('2026-08-09T10:11Z'), mtimePrecisionMs: 60_000 }),
        entry('ls-lR:gz', { size: Math.round(1.2 * 1024), mtimeMs: at('2026-08-09T10:11Z'), mtimePrecisionMs: 60_000 }),
        entry('Release Notes.pdf', { size: 12 * 1024 ** 2, mtimeMs: at('2026-08-09T10:11Z'), mtimePrecisionMs: 60_000 }),
      ],
    ],
    [
      'Apache <pre>',
      APACHE_PRE,
      [
        dir('dists', '2026-11-21T12:00Z'),
        entry('debian-13.iso', { size: Math.round(3.7 * 1024 ** 3), mtimeMs: at('2026-08-09T10:11Z'), mtimePrecisionMs: 60_000 }),
        entry('README.txt', { size: 512, sizeExact: true, mtimeMs: at('2026-11-21T12:00Z'), mtimePrecisionMs: 60_000 }),
      ],
    ],
    ['Apache without FancyIndexing', APACHE_PLAIN, [entry('dists', { isDir: true }), entry('README.txt')]],
    [
      'lighttpd',
      LIGHTTPD,
      [
        dir('dists', '2026-11-21T12:00:03Z', 1000),
        entry('README.txt', { size: 512, mtimeMs: at('2026-11-21T12:00:03Z'), mtimePrecisionMs: 1000 }),
        entry('debian-13.iso', { size: Math.round(3.7 * 1024 ** 3), mtimeMs: at('2026-08-09T10:11:12Z'), mtimePrecisionMs: 1000 }),
        entry('日本.txt', { size: 1024 ** 2, mtimeMs: at('2026-08-09T10:11:12Z'), mtimePrecisionMs: 1000 }),
      ],
    ],
  ];
  for (const [name, html, expected] of styles) {
    it(`reads ${name} pages`, () => {
      const page = parseIndexPage(html, PAGE);
      assert.deepEqual(page.entries, expected);
      assert.equal(page.skipped, 0, page.skippedExamples.join('\n'));
    });
  }

  it('resolves against the page URL even without a trailing slash or with a query', () => {
    const page = parseIndexPage('<a href="f.txt">f.txt</a> 2026-01-01 00:00 10', 'http://h/pub/index.html?x=1');
    assert.deepEqual(page.entries, [entry('f.txt', { size: 10, sizeExact: true, mtimeMs: at('2026-01-01T00:00Z'), mtimePrecisionMs: 60_000 })]);
  });

  it('accepts absolute links to children on the same host', () => {
    const page = parseIndexPage(
      '<a href="http://mirror.example.org/pub/debian/x.iso">x</a><a href="/pub/debian/y/">y</a>',
      PAGE,
    );
    assert.deepEqual(page.entries.map((e) => [e.name, e.isDir]), [
      ['x.iso', false],
      ['y', true],
    ]);
  });

  it('reads names with a colon that nginx links without escaping', () => {
    const html = '<a href="foo:bar.txt">foo:bar.txt</a> 01-Jan-2026 00:00 3\n<a href="./x:y">x:y</a>';
    assert.deepEqual(parseIndexPage(html, PAGE).entries.map((e) => e.name), ['foo:bar.txt', 'x:y']);
  });

  it('merges an icon link with the named link that carries the date (IconsAreLinks)', () => {
    const html =
      '<tr><td><a href="f.iso"><img src="/icons/unknown.gif" alt="[   ]"></a></td><td><a href="f.iso">f.iso</a></td><td align="right">2026-11-21 12:00  </td><td align="right">1.2K</td></tr>';
    assert.deepEqual(parseIndexPage(html, PAGE).entries, [
      entry('f.iso', { size: 1229, mtimeMs: at('2026-11-21T12:00Z'), mtimePrecisionMs: 60_000 }),
    ]);
  });

  describe('hostile pages', () => {
    const ignored: [string, string][] = [
      ['parent', '<a href="../">../</a>'],
      ['parent via path', '<a href="/pub/">Parent</a>'],
      ['root', '<a href="/">/</a>'],
      ['encoded dot-dot', '<a href="%2e%2e/">up</a>'],
      ['dot-dot inside', '<a href="a/../../etc/">x</a>'],
      ['sort links', '<a href="?C=N;O=D">Name</a><a href="?C=M;O=A">Last modified</a>'],
      ['fragment', '<a href="#top">top</a>'],
      ['other host', '<a href="http://evil.example.com/pub/debian/x.iso">x</a>'],
      ['other scheme same host', '<a href="https://mirror.example.org/pub/debian/x.iso">x</a>'],
      ['protocol-relative other host', '<a href="//evil.example.com/x.iso">x</a>'],
      ['javascript', '<a href="javascript:alert(1)">x</a>'],
      ['mailto', '<a href="mailto:root@example.org">x</a>'],
      ['data URL', '<a href="data:text/html,hi">x</a>'],
      ['grandchild', '<a href="a/b.iso">b</a>'],
      ['sibling directory', '<a href="/pub/other/x.iso">x</a>'],
      ['empty href', '<a href="">x</a>'],
      ['anchor without href', '<a name="x">x</a>'],
      ['data-href only', '<a data-href="x.iso">x</a>'],
    ];
    for (const [name, html] of ignored) {
      it(`ignores ${name}`, () => {
        const page = parseIndexPage(html, PAGE);
        assert.deepEqual(page.entries, []);
        assert.equal(page.skipped, 0);
      });
    }

    const skipped: [string, string, string][] = [
      ['encoded slash', '<a href="a%2Fb">x</a>', 'unsafe name'],
      ['encoded NUL', '<a href="a%00b">x</a>', 'unsafe name'],
      ['encoded newline', '<a href="a%0Ab">x</a>', 'unsafe name'],
      ['broken percent-encoding', '<a href="100%.txt">x</a>', 'bad percent-encoding'],
      ['invalid UTF-8', '<a href="caf%E9">x</a>', 'bad percent-encoding'],
      ['unparsable URL', '<a href="http://[::1">x</a>', 'unparsable link'],
    ];
    for (const [name, html, reason] of skipped) {
      it(`counts ${name}`, () => {
        const page = parseIndexPage(html, PAGE);
        assert.deepEqual(page.entries, []);
        assert.equal(page.skipped, 1);
        assert.ok(page.skippedExamples[0]?.startsWith(reason), page.skippedExamples[0]);
      });
    }

    it('survives unterminated tags', () => {
      const page = parseIndexPage('<pre><a href="ok.txt">ok.txt</a> 2026-01-01 00:00 5\n<a href="x.txt" <a href=y.txt', PAGE);
      assert.deepEqual(page.entries.map((e) => e.name), ['ok.txt']);
      assert.equal(page.skipped, 2);
    });

    it('survives deep nesting', () => {
      const html = '<div>'.repeat(100_000) + '<a href="deep.iso">deep.iso</a> 2026-01-01 00:00 7' + '</div>'.repeat(100_000);
      assert.deepEqual(parseIndexPage(html, PAGE).entries.map((e) => [e.name, e.size]), [['deep.iso', 7]]);
    });

    it('stays fast on a huge page without closing tags', () => {
      const html = '<a href="x'.repeat(300_000) + '<a ' + 'z'.repeat(2_000_000);
      const started = performance.now();
      const page = parseIndexPage(html, PAGE);
      assert.deepEqual(page.entries, []);
      assert.ok(performance.now() - started < 5000);
    });

    it('reads a huge page of links', () => {
      let html = '<pre>';
      for (let i = 0; i < 50_000; i++) html += `<a href="f${i}">f${i}</a> 01-Jan-2026 00:00 ${i}\n`;
      const page = parseIndexPage(html + '</pre>', PAGE);
      assert.equal(page.entries.length, 50_000);
      assert.deepEqual(page.entries[49_999], entry('f49999', { size: 49_999, sizeExact: true, mtimeMs: at('2026-01-01T00:00Z'), mtimePrecisionMs: 60_000 }));
    });

    it('does not take a date from a script or from the next row', () => {
      const html = '<tr><td><a href="a.iso">a.iso</a></td></tr><tr><td>2026-01-01 00:00</td><td>12</td></tr>';
      assert.deepEqual(parseIndexPage(html, PAGE).entries, [entry('a.iso')]);
    });
  });
});

describe('parseIndexSize', () => {
  const cases: [string, { size: number; exact: boolean } | undefined][] = [
    ['1234', { size: 1234, exact: true }],
    ['1,234', { size: 1234, exact: true }],
    ['0', { size: 0, exact: true }],
    ['1.2K', { size: 1229, exact: false }],
    ['12M', { size: 12 * 1024 ** 2, exact: false }],
    ['3.4 GiB', { size: Math.round(3.4 * 1024 ** 3), exact: false }],
    ['1.0kB', { size: 1024, exact: false }],
    ['-', undefined],
    ['', undefined],
    ['12Q', undefined],
    ['99999999999999999999', undefined],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => assert.deepEqual(parseIndexSize(text), expected));
  }
});

describe('decodeEntities', () => {
  it('decodes what index pages use and leaves the rest', () => {
    assert.equal(decodeEntities('a&amp;b &lt;c&gt; &quot;d&quot; &#39;e&#x27; &nbsp;'), 'a&b <c> "d" \'e\'  ');
    assert.equal(decodeEntities('&#0; &#xD800; &bogus; & alone'), '&#0; &#xD800; &bogus; & alone');
  });
});
