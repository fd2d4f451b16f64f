// Picks the scanner for a mirror URL by its scheme.
import { scanFtp } from './ftp.js';
import { scanHttp } from './http.js';
import { ScanError, type ScanOptions, type ScanResult } from './listing.js';
import { scanRsync } from './rsync.js';

/** Lists the files a mirror has: rsync://, ftp://, http:// or https://. */
export const scanMirror = (url: string, opts: ScanOptions = {}): Promise<ScanResult> => {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'rsync':
      return scanRsync(url, opts);
    case 'ftp':
      return scanFtp(url, opts);
    case 'http':
    case 'https':
      return scanHttp(url, opts);
    default:
      return Promise.reject(
        new ScanError(url, `cannot scan ${scheme ? scheme + '://' : 'a URL without a scheme'}: use rsync://, ftp://, http:// or https://`),
      );
  }
};
