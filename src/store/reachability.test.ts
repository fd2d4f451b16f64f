import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreReachability } from './reachability.js';

/** A store whose ping does what the test says: answer, fail, or hang. */
const fakeStore = () => {
  const state = { mode: 'answer' as 'answer' | 'fail' | 'hang' };
  return {
    state,
    store: {
      backend: 'redis' as const,
      ping: () =>
        state.mode === 'answer' ? Promise.resolve() : state.mode === 'fail' ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) : new Promise<void>(() => undefined),
    },
  };
};

describe('StoreReachability', () => {
  it('logs each change once, with the cause and how long the outage lasted, and tells its listeners', async () => {
    const { state, store } = fakeStore();
    const logs: string[] = [];
    const changes: boolean[] = [];
    let now = 1_000_000;
    const watch = new StoreReachability(store, { log: (m) => logs.push(m), timeoutMs: 50, now: () => now });
    watch.onChange((r) => changes.push(r));
    assert.equal(await watch.check(), true);
    state.mode = 'fail';
    assert.equal(await watch.check(), false);
    assert.equal(await watch.check(), false);
    assert.match(watch.lastError, /ECONNREFUSED/);
    now += 7000;
    state.mode = 'hang';
    assert.equal(await watch.check(), false, 'a ping that hangs is a failure after the timeout');
    assert.match(watch.lastError, /no answer in 50 ms/);
    state.mode = 'answer';
    assert.equal(await watch.check(), true);
    assert.equal(watch.lastError, '');
    assert.deepEqual(changes, [false, true]);
    assert.equal(logs.length, 2);
    assert.match(logs[0]!, /store \(redis\) unreachable: connect ECONNREFUSED.*still serving from memory/);
    assert.match(logs[1]!, /reachable again after 7 s/);
    assert.equal(watch.since, now);
  });
});
