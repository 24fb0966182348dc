// A store created by two processes at once: each writes the settings it chose only if nobody wrote first
// (compare-and-set on the settings revision), so both end with the same policy. The interleaving is forced: the
// first writer's putSettings lets the second process create the settings before it runs, on a real store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { POLICY_PRESETS } from '../engine/index.js';
import { tempDir } from '../conformance/harness.js';
import { openStore, type Store } from '../store/index.js';
import { loadSettings } from './stored_state.js';

const preset = (name: string) => {
  const p = POLICY_PRESETS.find((x) => x.name === name)!;
  return { name: p.name, arguments: p.arguments };
};

test('two loops creating one store at once agree on the first one\'s policy', async () => {
  const t = tempDir('personalizer-create-');
  const url = `sqlite:${join(t.dir, 'p.db')}`;
  const store = await openStore(url);
  try {
    let raced = false;
    let second: Awaited<ReturnType<typeof loadSettings>> | undefined;
    // The first loop's view of the store: its first settings write lets the other loop create the settings first.
    const first = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'putSettings') {
          return async (entries: Record<string, unknown>, expected?: number) => {
            if (!raced) {
              raced = true;
              second = await loadSettings(target, Date.now(), undefined, preset('softmax'));
            }
            return target.putSettings(entries, expected);
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as Store;
    const mine = await loadSettings(first, Date.now(), undefined, preset('squarecb'));
    assert.equal(raced, true);
    assert.deepEqual(second!.policy, preset('softmax'));
    assert.deepEqual(mine.policy, preset('softmax'), 'the first writer lost the race and took what the other wrote');
    assert.deepEqual(mine.service, second!.service);
    assert.deepEqual(await store.getSetting('policy'), preset('softmax'));
  } finally {
    await store.close();
    t.cleanup();
  }
});
