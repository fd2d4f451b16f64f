// When a protocol of a mirror goes down and comes back: down at the first failed check, back after HealthUpAfter
// good checks in a row, and longer for a mirror that keeps falling (flapping). Pure: state in, state out.

export interface HysteresisRule {
  /** Good checks in a row that bring a mirror back after a failure (HealthUpAfter). */
  upAfter: number;
  /** Falls within this window count towards flapping (HealthFlapWindow; 0 = no backoff). */
  flapWindowMs: number;
  /** Most good checks ever required (HealthMaxUpAfter). */
  maxUpAfter: number;
}

export interface ProtocolHealth {
  up: boolean;
  /** False until a check has answered: a never-checked mirror comes up at its first good check. */
  checked: boolean;
  /** Good checks in a row while down. */
  goodStreak: number;
  /** Times of its recent falls (up → down), oldest first, within the flap window. */
  falls: number[];
}

export const freshHealth = (up = false, checked = false): ProtocolHealth => ({ up, checked, goodStreak: 0, falls: [] });

/**
 * Good checks in a row needed to come back: 1 for a mirror never checked; HealthUpAfter after one fall; doubled for
 * each further fall within the flap window (2, 4, 8, … with the default), capped at HealthMaxUpAfter.
 */
export const requiredGoodChecks = (h: ProtocolHealth, rule: HysteresisRule, now: number): number => {
  if (!h.checked) return 1;
  const falls = rule.flapWindowMs > 0 ? h.falls.filter((t) => now - t <= rule.flapWindowMs).length : Math.min(1, h.falls.length);
  const factor = 2 ** Math.max(0, falls - 1);
  return Math.max(1, Math.min(rule.maxUpAfter, rule.upAfter * factor));
};

export interface Transition {
  health: ProtocolHealth;
  /** 'down' or 'up' when this check changed the state, else null. */
  changed: 'up' | 'down' | null;
}

export const applyCheck = (h: ProtocolHealth, ok: boolean, rule: HysteresisRule, now: number): Transition => {
  const recent = rule.flapWindowMs > 0 ? h.falls.filter((t) => now - t <= rule.flapWindowMs) : h.falls.slice(-1);
  if (!ok) {
    if (h.up) return { health: { up: false, checked: true, goodStreak: 0, falls: [...recent, now] }, changed: 'down' };
    return { health: { up: false, checked: true, goodStreak: 0, falls: recent }, changed: null };
  }
  if (h.up) return { health: { ...h, checked: true, goodStreak: 0, falls: recent }, changed: null };
  const streak = h.goodStreak + 1;
  if (streak >= requiredGoodChecks(h, rule, now)) {
    return { health: { up: true, checked: true, goodStreak: 0, falls: recent }, changed: 'up' };
  }
  return { health: { up: false, checked: true, goodStreak: streak, falls: recent }, changed: null };
};
