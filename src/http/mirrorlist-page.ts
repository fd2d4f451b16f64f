// The `?mirrorlist` page: where the client is, what the file is, which mirrors would serve it and which were excluded, and why.
import type { ClientLocation } from '../geo/location.js';
import type { RepoFile } from '../repo/file.js';
import type { Selection } from '../selection/select.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHTML = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const km = (d: number): string => `${Math.round(d).toLocaleString('en')} km`;

export interface MirrorListView {
  file: RepoFile;
  client: ClientLocation;
  selection: Selection;
  fallback: { url: string; countryCode: string }[];
  version: string;
}

export const renderMirrorList = ({ file, client, selection, fallback, version }: MirrorListView): string => {
  const e = escapeHTML;
  const where = client.valid
    ? `${e(client.city ? `${client.city}, ` : '')}${e(client.country)} (${e(client.countryCode)}, ${e(client.continentCode)})${client.asn ? `, AS${client.asn} ${e(client.asName)}` : ''}`
    : 'unknown location';
  const hashes = (['sha256', 'sha1', 'md5'] as const)
    .filter((h) => file[h])
    .map((h) => `<tr><th>${h.toUpperCase()}</th><td><code>${file[h]}</code></td></tr>`)
    .join('');
  const rows = selection.choices
    .map(
      (c, i) =>
        `<tr><td>${i + 1}</td><td>${e(c.mirror.sponsorName || c.mirror.name)}</td><td><a href="${e(c.url + file.path.slice(1))}">${e(c.url)}</a></td><td>${e(c.mirror.countryCodes.join(' '))}</td><td>${km(c.distance)}</td><td>${c.score}</td><td>${c.share > 0 ? `${c.share.toFixed(1)} %` : 'n/a'}</td></tr>`,
    )
    .join('');
  const excluded = selection.excluded
    .map((x) => `<tr><td>${e(x.mirror.name)}</td><td>${e(x.mirror.countryCodes.join(' '))}</td><td>${km(x.distance)}</td><td>${e(x.reason)}</td></tr>`)
    .join('');
  const fb = fallback.map((f) => `<li><a href="${e(f.url + file.path.slice(1))}">${e(f.url)}</a> (fallback)</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mirrors for ${e(file.path)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 1rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd}code{word-break:break-all}</style>
</head><body>
<h1>${e(file.path)}</h1>
<table class="file"><tr><th>Size</th><td>${file.size.toLocaleString('en')} bytes</td></tr><tr><th>Modified</th><td>${new Date(file.mtimeMs).toUTCString()}</td></tr>${hashes}</table>
<p>Your address: <strong>${e(client.ip)}</strong> — ${where}</p>
<h2>Mirrors</h2>
${rows ? `<table class="mirrors"><thead><tr><th>#</th><th>Mirror</th><th>URL</th><th>Country</th><th>Distance</th><th>Score</th><th>Share</th></tr></thead><tbody>${rows}</tbody></table>` : `<p>No mirror currently serves this file.</p>${fb ? `<ul>${fb}</ul>` : ''}`}
${excluded ? `<h2>Excluded mirrors</h2><table class="excluded"><thead><tr><th>Mirror</th><th>Country</th><th>Distance</th><th>Reason</th></tr></thead><tbody>${excluded}</tbody></table>` : ''}
<footer><small>Signpost ${e(version)}</small></footer>
</body></html>
`;
};
