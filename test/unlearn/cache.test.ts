/**
 * The preparation cache beside a model: entries keyed by a digest of their inputs, read back when valid,
 * rebuilt with a reason when not, written atomically, and pruned when the model's weights change.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import type { ProgressSink } from '../../src/train/progress.js';
import { type CacheKey, type EntryCodec, PreparationCache } from '../../src/unlearn/cache.js';
import { tempDir } from './support.js';

/** A progress sink that records the events it logs. */
function recorder(): ProgressSink & { events: { event: string; fields: Record<string, unknown> }[] } {
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  return {
    events,
    task: () => ({ tick: () => undefined, done: () => undefined }),
    log: (event, fields = {}) => {
      events.push({ event, fields });
    },
  };
}

/** A codec of a list of numbers stored in `values.json`, counting its builds. */
function numbers(values: number[]): EntryCodec<number[]> & { builds: number } {
  const codec = {
    builds: 0,
    build: () => {
      codec.builds++;
      return values;
    },
    write: (value: number[], dir: string) => {
      writeFileSync(join(dir, 'values.json'), JSON.stringify(value));
      return { count: value.length };
    },
    read: (dir: string, meta: unknown) => {
      const value = JSON.parse(readFileSync(join(dir, 'values.json'), 'utf8')) as number[];
      assert.deepEqual(meta, { count: value.length }, 'the meta written comes back');
      return value;
    },
  };
  return codec;
}

const KEY: CacheKey = { kind: 'test-numbers', format: 1, inputs: { model: 'a', size: 3 } };

describe('preparation cache', () => {
  test('builds an entry once, then reads it back; other inputs or another format build their own', () => {
    const model = tempDir('tmu-cache-');
    const cache = new PreparationCache(model, 'digest-a', recorder());
    const codec = numbers([1, 2, 3]);
    const first = cache.get(KEY, codec);
    assert.deepEqual([first.cached, first.builtBecause, first.value], [false, 'not cached', [1, 2, 3]]);
    assert.match(first.key, /^[0-9a-f]{16}$/);
    assert.equal(first.dir, join(model, 'cache', 'test-numbers', first.key));
    const second = cache.get(KEY, codec);
    assert.deepEqual([second.cached, second.builtBecause, second.value, codec.builds], [true, null, [1, 2, 3], 1]);
    const other = cache.get({ ...KEY, inputs: { model: 'a', size: 4 } }, codec);
    assert.equal(other.cached, false);
    assert.notEqual(other.key, first.key);
    const newer = cache.get({ ...KEY, format: 2 }, codec);
    assert.equal(newer.cached, false, 'a new format version misses');
    assert.equal(cache.get(KEY, codec).cached, true, 'entries of other inputs stay side by side');
  });

  test('an entry whose file fails its digest, or a rebuild asked for, is rebuilt and the reason logged', () => {
    const model = tempDir('tmu-cache-');
    const progress = recorder();
    const cache = new PreparationCache(model, 'digest-a', progress);
    const built = cache.get(KEY, numbers([1, 2, 3]));
    writeFileSync(join(built.dir!, 'values.json'), JSON.stringify([9, 9, 9]));
    const repaired = cache.get(KEY, numbers([1, 2, 3]));
    assert.equal(repaired.cached, false);
    assert.match(repaired.builtBecause!, /values\.json fails its digest/);
    assert.deepEqual(repaired.value, [1, 2, 3]);
    assert.ok(
      progress.events.some((e) => e.event === 'cache rebuild' && /fails its digest/.test(String(e.fields.because))),
      JSON.stringify(progress.events),
    );
    const forced = cache.get(KEY, numbers([1, 2, 3]), { rebuild: true });
    assert.deepEqual([forced.cached, forced.builtBecause], [false, 'a rebuild was asked for']);
    writeFileSync(join(forced.dir!, 'stray.bin'), 'x');
    assert.match(cache.get(KEY, numbers([1])).builtBecause!, /files are not the ones it recorded/);
  });

  test('a build that fails leaves no entry and no staging folder behind', () => {
    const model = tempDir('tmu-cache-');
    const cache = new PreparationCache(model, 'digest-a', recorder());
    const failing: EntryCodec<number[]> = {
      build: () => [1],
      write: () => {
        throw new Error('disk full');
      },
      read: () => [],
    };
    assert.throws(() => cache.get(KEY, failing), /disk full/);
    assert.deepEqual(readdirSync(join(model, 'cache', 'test-numbers')), []);
  });

  test("writing an entry for new weights removes the entries built for the model's old weights; listing shows what is cached", () => {
    const model = tempDir('tmu-cache-');
    const old = new PreparationCache(model, 'digest-old', recorder());
    const oldEntry = old.get({ ...KEY, inputs: { model: 'digest-old' } }, numbers([1]));
    const listedOld = new PreparationCache(model, 'digest-new', recorder()).list();
    assert.deepEqual(
      listedOld.map((entry) => [entry.kind, entry.key, entry.current]),
      [['test-numbers', oldEntry.key, false]],
    );
    const fresh = new PreparationCache(model, 'digest-new', recorder());
    const newEntry = fresh.get({ ...KEY, inputs: { model: 'digest-new' } }, numbers([2]));
    assert.equal(existsSync(oldEntry.dir!), false, "the old weights' entry is gone");
    const listed = fresh.list();
    assert.deepEqual(
      listed.map((entry) => [entry.key, entry.current]),
      [[newEntry.key, true]],
    );
    assert.ok(listed[0]!.bytes > 0 && listed[0]!.seconds !== null);
  });

  test('without a model directory nothing is cached: every call builds', () => {
    const cache = new PreparationCache(null, null, recorder());
    const codec = numbers([5]);
    assert.equal(cache.get(KEY, codec).cached, false);
    assert.equal(cache.get(KEY, codec).cached, false);
    assert.equal(codec.builds, 2);
    assert.deepEqual(cache.list(), []);
  });

  test('a file where the cache folder belongs is reported by name, before anything is built', () => {
    const model = tempDir('tmu-cache-');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, 'cache'), 'not a folder');
    const cache = new PreparationCache(model, 'd', recorder());
    assert.throws(() => cache.list(), /cache: tmu caches prepared state in this folder, but it is a file/);
    const codec = numbers([1, 2, 3]);
    assert.throws(() => cache.get(KEY, codec), /cache: tmu caches prepared state in this folder, but it is a file/);
    assert.equal(codec.builds, 0, 'the build did not run');
  });
});
