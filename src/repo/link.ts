// Symlinks of the repository and how a requested path resolves through them.
// Kept apart from the indexer so the HTTP layer can resolve paths without pulling in the walk.

/** A symlink inside the repository: `target` is the repository path it resolves to, or null when it leads outside the repository. */
export interface RepoLink { path: string; target: string | null }

/** Same bound as Linux's SYMLOOP_MAX: a legitimate chain never comes close, a cycle stops here. */
const maxSubstitutions = 40;

/**
 * Resolves a normalised repository path (leading `/`, no dot segments) through the repository's
 * symlinks: a link to a file or directory is replaced by its target, so `/latest/x` with
 * `/latest` → `/releases/3.0` gives `/releases/3.0/x`. Returns null when any link on the way
 * leads outside the repository (the request must be refused, never redirected).
 */
export const resolveThroughLinks = (path: string, links: ReadonlyMap<string, string | null>): string | null => {
  if (links.size === 0) return path;
  let current = path;
  // Everything before `checked` is known to contain no link.
  let checked = 0;
  for (let substitutions = 0; substitutions <= maxSubstitutions; ) {
    const next = current.indexOf('/', checked + 1);
    const prefix = next === -1 ? current : current.slice(0, next);
    if (links.has(prefix)) {
      const target = links.get(prefix) ?? null;
      if (target === null) return null;
      const rest = next === -1 ? '' : current.slice(next);
      current = target === '/' ? rest || '/' : target + rest;
      // A target from the walk is a real path, but a stored map is rechecked rather than trusted.
      checked = 0;
      substitutions += 1;
      continue;
    }
    if (next === -1) return current;
    checked = next;
  }
  return null;
};
