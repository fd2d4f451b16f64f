// The `?mirrorlist` page: the view model of pages/mirrorlist.ts through the (possibly overridden) templates.
import { mirrorListView } from './pages/mirrorlist.js';
import type { MirrorListInput } from './pages/mirrorlist.js';
import { PageRenderer } from './pages/renderer.js';

export { escapeHTML } from './pages/escape.js';
export type { MirrorListInput };

let builtIn: PageRenderer | undefined;

/** HTML of the page; without `renderer`, Signpost's built-in templates (the daemon passes the one made from `Templates`). */
export const renderMirrorList = (input: MirrorListInput, renderer?: PageRenderer): string =>
  (renderer ?? (builtIn ??= new PageRenderer(''))).render('mirrorlist', mirrorListView(input));
