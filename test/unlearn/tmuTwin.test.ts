/**
 * TMU's twin problem on a small CNN trained on a tiny real Fashion-MNIST subset: the twin original's
 * fine-tuning schedule, which options key the twin cache, and how twins of several option sets share it.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createModel } from '../../src/models/architecture.js';
import type { Classifier } from '../../src/models/classifier.js';
import { initialiseSeed, train } from '../../src/train/trainer.js';
import { resolveParams } from '../../src/unlearn/params.js';
import { tmu, twinOptions } from '../../src/unlearn/tmu/tmu.js';
import {
  buildTwin,
  disposeTwin,
  listCachedTwins,
  loadOrBuildTwin,
  type TwinOptions,
  twinCacheDir,
} from '../../src/unlearn/tmu/twin.js';
import { buildFixture, type Fixture, fashionSubset, tempDir } from './support.js';

const work = tempDir('tmu-twin-');
const dataDir = fashionSubset(join(work, 'data'));

const OPTIONS: TwinOptions = {
  perClass: 10,
  epochs: 1,
  retainMultiple: 1,
  optimizer: 'sgd',
  lr: 0.05,
  batchSize: 32,
  pgdEps: 4 / 255,
  pgdSteps: 1,
  neighbours: 3,
  classNeighbours: 5,
  curriculumEpoch: 2,
  seed: 0,
};

function sameWeights(a: Classifier, b: Classifier): boolean {
  const other = b.stateDict();
  for (const [name, tensor] of a.stateDict()) {
    const x = tensor.toTypedArray();
    const y = other.get(name)!.toTypedArray();
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

describe('TMU twin problem', { timeout: 300_000 }, () => {
  let fixture: Fixture;
  before(() => {
    fixture = buildFixture(dataDir, { epochs: 2, forgetClass: 1, fraction: 0.5 });
  });
  after(() => fixture?.original.dispose());

  /** Whether the twin originals built with the two option sets have identical weights. */
  const sameTwinModel = (a: TwinOptions, b: TwinOptions): boolean => {
    const first = buildTwin(fixture.ctx, a);
    const second = buildTwin(fixture.ctx, b);
    try {
      return sameWeights(first.model, second.model);
    } finally {
      disposeTwin(first);
      disposeTwin(second);
    }
  };

  test('the cosine schedule anneals per epoch: the first epoch runs at the base rate, as the constant schedule does; later ones lower', () => {
    assert.equal(sameTwinModel(OPTIONS, { ...OPTIONS, schedule: 'cosine' }), true, 'one epoch: identical');
    assert.equal(
      sameTwinModel({ ...OPTIONS, epochs: 2 }, { ...OPTIONS, epochs: 2, schedule: 'cosine' }),
      false,
      'two epochs: the second is annealed',
    );
    assert.equal(
      sameTwinModel({ ...OPTIONS, epochs: 2 }, { ...OPTIONS, epochs: 2, schedule: 'constant' }),
      true,
      'constant is the default',
    );
  });

  test("the curriculum model is Mo's own run at curriculumEpoch: the checkpoint the run kept, or a replay with the same weights", () => {
    // Mo's run as its training would keep it at epoch 1 (of 2).
    initialiseSeed(fixture.recipe.seed);
    const run = createModel(fixture.architecture);
    const checkpoint = join(work, 'curriculum-epoch-1.safetensors');
    train({
      model: run,
      dataset: fixture.data.train,
      ids: fixture.split.member,
      recipe: fixture.recipe,
      normalize: fixture.ctx.normalize,
      curriculum: { epoch: 1, path: checkpoint },
    });
    run.dispose();
    const withCheckpoint = { ...fixture.ctx, curriculum: { path: checkpoint, epoch: 1 } };
    const kept = buildTwin(withCheckpoint, { ...OPTIONS, curriculumEpoch: 1 });
    const replayed = buildTwin({ ...fixture.ctx, curriculum: null }, { ...OPTIONS, curriculumEpoch: 1 });
    // A checkpoint of another epoch is not the model asked for: the run is replayed to the last epoch (capped at 2), which is Mo.
    const capped = buildTwin(withCheckpoint, { ...OPTIONS, curriculumEpoch: 9 });
    try {
      assert.equal(kept.curriculumSource, 'original-run');
      assert.equal(kept.seconds.curriculum, 0, 'the kept checkpoint costs nothing');
      assert.equal(replayed.curriculumSource, 'replayed');
      assert.equal(
        sameWeights(kept.curriculum, replayed.curriculum),
        true,
        'the replay to epoch 1 has the weights the run kept',
      );
      assert.equal(capped.curriculumSource, 'replayed');
      assert.deepEqual([kept.curriculumEpoch, replayed.curriculumEpoch, capped.curriculumEpoch], [1, 1, 2]);
      assert.equal(sameWeights(capped.curriculum, fixture.original), true, 'replayed to its last epoch, the run is Mo');
      assert.equal(sameWeights(kept.curriculum, capped.curriculum), false, 'epochs 1 and 2 differ');
      assert.deepEqual(Array.from(kept.features.curriculum), Array.from(replayed.features.curriculum));
    } finally {
      for (const twin of [kept, replayed, capped]) disposeTwin(twin);
    }
  });

  test('curriculumEpoch enters the twin options, so the cached twin is rebuilt when it changes', () => {
    assert.equal(twinOptions(resolveParams(tmu, { curriculumEpoch: 3 }), 0).curriculumEpoch, 3);
    assert.throws(() => resolveParams(tmu, { curriculumEpoch: 0 }), /curriculumEpoch/);
  });

  test('twinSchedule defaults to constant, which leaves the twin options (the cache key) as before the option existed; cosine enters them', () => {
    const byDefault = resolveParams(tmu, {});
    assert.equal(byDefault.twinSchedule, 'constant');
    assert.equal('schedule' in twinOptions(byDefault, 0), false);
    assert.equal(twinOptions(resolveParams(tmu, { twinSchedule: 'cosine' }), 0).schedule, 'cosine');
    assert.throws(() => resolveParams(tmu, { twinSchedule: 'linear' }), /twinSchedule/);
  });

  test('a twin that is not taken from the cache says why: none, another Mo, other options, an unreadable or older twin.json', () => {
    const modelDir = join(work, 'cached-model');
    mkdirSync(modelDir, { recursive: true });
    const ctx = { ...fixture.ctx, modelDir, originalDigest: 'digest-a' };
    const because = (context: typeof ctx, options: TwinOptions, rebuild = false): string | null => {
      const twin = loadOrBuildTwin(context, options, rebuild);
      try {
        return twin.builtBecause;
      } finally {
        disposeTwin(twin);
      }
    };
    assert.equal(because(ctx, OPTIONS), 'no cached twin');
    assert.equal(because(ctx, OPTIONS), null, 'the second call is served from the cache');
    assert.match(
      because({ ...ctx, originalDigest: 'digest-b' }, OPTIONS) ?? '',
      /another original model \(digest digest-a\)/,
    );
    assert.match(
      because({ ...ctx, originalDigest: 'digest-b' }, { ...OPTIONS, pgdSteps: 2 }) ?? '',
      /other twin options/,
    );
    const jsonPath = join(twinCacheDir(modelDir, { ...OPTIONS, pgdSteps: 2 }), 'twin.json');
    const stored = JSON.parse(readFileSync(jsonPath, 'utf8')) as { format: string };
    writeFileSync(jsonPath, JSON.stringify({ ...stored, format: 'tmu-twin/0' }));
    assert.match(
      because({ ...ctx, originalDigest: 'digest-b' }, { ...OPTIONS, pgdSteps: 2 }) ?? '',
      /format tmu-twin\/0, this tmu writes tmu-twin\/\d+/,
    );
    writeFileSync(jsonPath, '{"format": ');
    assert.match(
      because({ ...ctx, originalDigest: 'digest-b' }, { ...OPTIONS, pgdSteps: 2 }) ?? '',
      /twin\.json is unreadable/,
    );
  });

  test("twins of different options are cached side by side and each is reused; a twin built for a new Mo removes the old Mo's twins and an older tmu's single-twin files", () => {
    const modelDir = join(work, 'keyed-model');
    mkdirSync(modelDir, { recursive: true });
    const ctx = { ...fixture.ctx, modelDir, originalDigest: 'digest-a' };
    const other = { ...OPTIONS, pgdSteps: 2 };
    const load = (
      context: typeof ctx,
      options: TwinOptions,
    ): { builtBecause: string | null; cacheDir: string | null } => {
      const twin = loadOrBuildTwin(context, options);
      try {
        return { builtBecause: twin.builtBecause, cacheDir: twin.cacheDir };
      } finally {
        disposeTwin(twin);
      }
    };
    assert.deepEqual(load(ctx, OPTIONS), { builtBecause: 'no cached twin', cacheDir: twinCacheDir(modelDir, OPTIONS) });
    assert.equal(
      load(ctx, other).builtBecause,
      'no cached twin with these twin options (1 cached with other twin options)',
    );
    assert.deepEqual(
      load(ctx, OPTIONS),
      { builtBecause: null, cacheDir: twinCacheDir(modelDir, OPTIONS) },
      'the first twin survived the second',
    );
    assert.equal(load(ctx, other).builtBecause, null);
    const root = join(modelDir, 'twin');
    assert.deepEqual(
      readdirSync(root).sort(),
      [twinCacheDir(modelDir, OPTIONS), twinCacheDir(modelDir, other)].map((dir) => basename(dir)).sort(),
    );

    // What an older tmu left: one twin directly in twin/, with its predictor.
    for (const name of ['twin.json', 'features.safetensors', 'predictor-0123456789abcdef.safetensors'])
      writeFileSync(join(root, name), '{}');
    writeFileSync(join(root, 'notes.txt'), "not the cache's");
    const legacy = listCachedTwins(modelDir, 'digest-a').find((entry) => entry.dir === root);
    assert.deepEqual(
      legacy && { usable: legacy.usable, predictors: legacy.predictors, bytes: legacy.bytes },
      { usable: false, predictors: 1, bytes: 6 },
      '--list shows the older layout, with its size',
    );
    assert.match(legacy!.reason ?? '', /single-twin layout of an older tmu/);
    assert.match(
      load({ ...ctx, originalDigest: 'digest-b' }, OPTIONS).builtBecause ?? '',
      /another original model \(digest digest-a\)/,
    );
    assert.deepEqual(
      readdirSync(root).sort(),
      [basename(twinCacheDir(modelDir, OPTIONS)), 'notes.txt'].sort(),
      "digest-a's other twin and the legacy files are gone; a file tmu does not know is kept",
    );
    rmSync(join(root, basename(twinCacheDir(modelDir, OPTIONS))), { recursive: true });
    writeFileSync(join(root, 'twin.json'), '{}');
    assert.equal(
      load({ ...ctx, originalDigest: 'digest-b' }, OPTIONS).builtBecause,
      'the cached twin is in the single-twin layout of an older tmu',
    );
  });
});
