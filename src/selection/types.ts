// The shapes mirror selection takes and returns, shared by the filter, the scoring and the ordering.
import type { AllowOutdatedRule } from '../config/config.js';
import type { Mirror, MirrorFile } from '../mirrors/mirror.js';

/** Which protocol the client needs: HTTPS, plain HTTP, or either (HTTPS preferred). */
export type TLSRequirement = 'with' | 'without' | 'any';

/** A mirror whose last scan listed the file, with what it saw. */
export interface Candidate {
  mirror: Mirror;
  copy: MirrorFile;
}

export interface SelectionOptions {
  weightDistributionRange: number;
  allowOutdatedFiles: readonly AllowOutdatedRule[];
  fixTimezoneOffsets: boolean;
  /** MaxMirrorLag in ms (0 or absent = off). */
  maxMirrorLagMs?: number;
  /** 'redirect': weighted random order of the eligible mirrors, truncated (Mirrorbits: min(5,k)); 'list': all accepted mirrors by score with share %. */
  purpose: 'redirect' | 'list';
  /** Uniform in [0, 1); injected so tests are deterministic. */
  random: () => number;
}

export interface Choice {
  mirror: Mirror;
  /** Absolute base URL (ends with `/`), scheme chosen for the request. */
  url: string;
  /** Kilometres from the client, 0 for an un-geolocated client. */
  distance: number;
  /** Mirrorbits' ComputedScore; 0 for an un-geolocated client. */
  score: number;
  /** Percent 0..100 of the weighted draw, 0 when not eligible. */
  share: number;
}

export interface Exclusion {
  mirror: Mirror;
  /** Base URL the mirror would have been used with; '' for a disabled mirror. */
  url: string;
  distance: number;
  reason: string;
}

export interface Selection {
  choices: Choice[];
  excluded: Exclusion[];
}
