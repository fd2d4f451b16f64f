// HTML escaping for what the pages build outside templates (the SVG map); templates escape with mustache's `{{ }}`.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHTML = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
