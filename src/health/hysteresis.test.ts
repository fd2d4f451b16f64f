import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyCheck, freshHealth, requiredGoodChecks } from './hysteresis.js';
import type { ProtocolHealth } from './hysteresis.js';

const rule = { upAfter: 2, flapWindowMs: 60 * 60_000, maxUpAfter: 16 };
const MIN = 60_000;

/** Runs a sequence of check results, one a minute, and returns the state after each ('U' up, 'D' down). */
const run = (checks: string, start: ProtocolHealth = freshHealth(), r = rule): string => {
  let h = start;
  let out = '';
  [...checks].forEach((c, i) => {
    h = applyCheck(h, c === '+', r, i * MIN).health;
    out += h.up ? 'U' : 'D';
  });
  return out;
};

describe('hysteresis', () => {
  const cases: [string, string, string][] = [
    ['a never-checked mirror comes up at its first good check', '+', 'U'],
    ['a never-checked mirror that fails first needs HealthUpAfter', '-++', 'DDU'],
    ['down at the first failed check', '++-', 'UUD'],
    ['back after 2 good checks', '+-++', 'UDDU'],
    ['a bad check resets the streak', '+-+-++', 'UDDDDU'],
    ['second fall within the hour: 4 good checks', '+-++-++++', 'UDDUDDDDU'],
    ['third fall: 8', '+-++-++++-++++++++', 'UDDUDDDDUDDDDDDDDU'],
    ['alternating good and bad never comes back once down', '+-+-+-+-+-', 'UDDDDDDDDD'],
  ];
  for (const [name, checks, expected] of cases) it(name, () => assert.equal(run(checks), expected));

  it('falls older than the window no longer count', () => {
    let h = applyCheck(freshHealth(true, true), false, rule, 0).health; // fall at t=0
    h = applyCheck(h, true, rule, MIN).health;
    h = applyCheck(h, true, rule, 2 * MIN).health;
    assert.equal(h.up, true);
    h = applyCheck(h, false, rule, 90 * MIN).health; // second fall, 90 min later: the first is outside the window
    assert.equal(requiredGoodChecks(h, rule, 90 * MIN), 2);
    h = applyCheck(h, false, rule, 30 * MIN + 90 * MIN).health;
    assert.equal(requiredGoodChecks(h, rule, 120 * MIN), 2);
  });

  it('is capped by HealthMaxUpAfter', () => {
    const h: ProtocolHealth = { up: false, checked: true, goodStreak: 0, falls: Array.from({ length: 10 }, (_, i) => i) };
    assert.equal(requiredGoodChecks(h, rule, 10), 16);
    assert.equal(requiredGoodChecks(h, { ...rule, maxUpAfter: 5 }, 10), 5);
  });

  it('without a flap window the rule is plain HealthUpAfter', () => {
    assert.equal(run('+-++-++-++', freshHealth(), { ...rule, flapWindowMs: 0 }), 'UDDUDDUDDU');
  });

  it('reports transitions', () => {
    assert.equal(applyCheck(freshHealth(true, true), false, rule, 0).changed, 'down');
    assert.equal(applyCheck(freshHealth(false, false), true, rule, 0).changed, 'up');
    assert.equal(applyCheck(freshHealth(true, true), true, rule, 0).changed, null);
  });
});
