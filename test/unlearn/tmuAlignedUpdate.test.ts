/**
 * TMU's aligned update on a small CNN trained on a tiny real Fashion-MNIST subset: the retain sample
 * (uniform, or focused on the classes the update moves) and the distillation of the retain sample
 * towards Mo's own outputs.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Random } from '../../src/data/random.js';
import type { Classifier } from '../../src/models/classifier.js';
import { predict } from '../../src/train/predict.js';
import { batchCount } from '../../src/unlearn/batches.js';
import { cloneClassifier } from '../../src/unlearn/clone.js';
import { resolveParams } from '../../src/unlearn/params.js';
import { type AlignedUpdateOptions, alignedUpdate } from '../../src/unlearn/tmu/alignedUpdate.js';
import { modelOutputs } from '../../src/unlearn/tmu/outputs.js';
import { sampleRetain } from '../../src/unlearn/tmu/retainSample.js';
import { alignedUpdateOptions, tmu } from '../../src/unlearn/tmu/tmu.js';
import { buildFixture, type Fixture, fashionSubset, tempDir } from './support.js';

const work = tempDir('tmu-aligned-');
const dataDir = fashionSubset(join(work, 'data'));

const OPTIONS: AlignedUpdateOptions = {
  epochs: 1,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 0,
  batchSize: 64,
  retainMultiple: 0,
  easyNoise: 0.5,
  select: 'last',
  checkEvery: 10,
  stop: 'epochs',
  average: 'none',
  hardLoss: 'label',
  easyLoss: 'label',
  hingeMargin: 1,
  hardRepeat: 1,
  retainLoss: 'label',
  retainFocus: 0,
  seed: 0,
};

/** The largest absolute difference between the weights of two models. */
function maxWeightChange(a: Classifier, b: Classifier): number {
  const other = b.stateDict();
  let max = 0;
  for (const [name, tensor] of a.stateDict()) {
    const x = tensor.toTypedArray() as Float32Array;
    const y = other.get(name)!.toTypedArray() as Float32Array;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
  }
  return max;
}

describe('TMU aligned update', { timeout: 300_000 }, () => {
  let fixture: Fixture;
  const labelOf = (id: string): number => fixture.data.train.labels[fixture.data.train.indexOf(id)]!;
  before(() => {
    fixture = buildFixture(dataDir, { epochs: 3, forgetClass: 1, fraction: 0.5 });
  });
  after(() => fixture?.original.dispose());

  test('retainLoss=distill holds Mo where it stands: over the retain set alone, at Mo, the weights stay put, while fitting the labels moves them', () => {
    const moved = (retainLoss: AlignedUpdateOptions['retainLoss']): number => {
      const model = cloneClassifier(fixture.original, fixture.architecture);
      try {
        alignedUpdate(fixture.ctx, model, [], new Map(), { ...OPTIONS, retainLoss });
        return maxWeightChange(model, fixture.original);
      } finally {
        model.dispose();
      }
    };
    const distilled = moved('distill');
    const fitted = moved('label');
    assert.ok(distilled < 1e-4, `distillation towards Mo's own outputs moved a weight by ${distilled}`);
    assert.ok(fitted > 1e-3, `fitting the labels moved no weight noticeably (${fitted})`);
  });

  test("easyLoss=distill holds easy samples at the targets given: at Mo's own outputs (T = 1) the weights stay put, while fitting their labels under noise moves them; without targets it is an error", () => {
    const { ctx } = fixture;
    const easyIds = ctx.forgetIds.slice(0, 40);
    const onEasy = modelOutputs(fixture.original, ctx.train, easyIds, ctx.normalize);
    const targets = new Map(
      easyIds.map((id, i) => [id, onEasy.logits.slice(i * onEasy.numClasses, (i + 1) * onEasy.numClasses)]),
    );
    const moved = (options: Partial<AlignedUpdateOptions>): number => {
      const model = cloneClassifier(fixture.original, fixture.architecture);
      try {
        alignedUpdate(ctx, model, easyIds, new Map(), {
          ...OPTIONS,
          retainMultiple: 1,
          retainLoss: 'distill',
          ...options,
        });
        return maxWeightChange(model, fixture.original);
      } finally {
        model.dispose();
      }
    };
    const distilled = moved({ easyLoss: 'distill', easyTargets: targets });
    const fitted = moved({ easyLoss: 'label' });
    assert.ok(distilled < 1e-4, `distilling easy samples at Mo's own outputs moved a weight by ${distilled}`);
    assert.ok(fitted > 1e-3, `fitting noisy easy samples moved no weight noticeably (${fitted})`);
    assert.throws(() => moved({ easyLoss: 'distill' }), /easyTargets/);
  });

  test("updateStop=share ends the update at the first check where Df's error reaches the predicted hard share; epochs runs them all", () => {
    const { ctx } = fixture;
    const forgetIds = ctx.forgetIds;
    const wrongCount = (model: Classifier): number => {
      const predictions = predict(model, ctx.train, forgetIds, { normalize: ctx.normalize });
      return predictions.predicted.filter((p, i) => p !== predictions.labels[i]).length;
    };
    // More hard samples than Mo already gets wrong, so the update has to forget to reach the share.
    const hardCount = wrongCount(fixture.original) + Math.round(forgetIds.length * 0.2);
    assert.ok(hardCount < forgetIds.length, `${hardCount} of ${forgetIds.length}`);
    const hardLabels = new Map(forgetIds.slice(0, hardCount).map((id) => [id, (labelOf(id) + 1) % 10]));
    const easyIds = forgetIds.slice(hardCount);
    const options: AlignedUpdateOptions = {
      ...OPTIONS,
      epochs: 40,
      retainMultiple: 5,
      checkEvery: 1,
      weightDecay: 5e-4,
    };
    const fullSteps = options.epochs * batchCount(5 * forgetIds.length + forgetIds.length, options.batchSize);
    const model = cloneClassifier(fixture.original, fixture.architecture);
    try {
      const report = alignedUpdate(ctx, model, easyIds, hardLabels, { ...options, stop: 'share' });
      assert.equal(report.stoppedEarly, true, JSON.stringify(report));
      assert.ok(report.steps > 1 && report.steps < fullSteps, `${report.steps} of ${fullSteps} steps`);
      const wrong = wrongCount(model);
      assert.ok(wrong >= hardCount, `stopped with ${wrong} of ${forgetIds.length} wrong, ${hardCount} predicted hard`);
    } finally {
      model.dispose();
    }
    const short = cloneClassifier(fixture.original, fixture.architecture);
    try {
      const report = alignedUpdate(ctx, short, easyIds, hardLabels, { ...options, epochs: 2, stop: 'epochs' });
      assert.equal(report.stoppedEarly, false);
      assert.equal(report.steps, 2 * batchCount(6 * forgetIds.length, options.batchSize));
    } finally {
      short.dispose();
    }
  });

  test("average=tail returns the mean of the last epoch's weights: the last step's when that epoch has one step, another model when it has several; it refuses what it cannot average", () => {
    const { ctx } = fixture;
    const forgetIds = ctx.forgetIds;
    const hardLabels = new Map(forgetIds.slice(0, 6).map((id) => [id, (labelOf(id) + 1) % 10]));
    const easyIds = forgetIds.slice(6);
    const updated = (options: Partial<AlignedUpdateOptions>): Classifier => {
      const model = cloneClassifier(fixture.original, fixture.architecture);
      alignedUpdate(ctx, model, easyIds, hardLabels, { ...OPTIONS, epochs: 2, retainMultiple: 2, ...options });
      return model;
    };
    // One batch per epoch: the last epoch's only iterate is the final model.
    const oneBatch = 10_000;
    const [last, tail] = [updated({ batchSize: oneBatch }), updated({ batchSize: oneBatch, average: 'tail' })];
    assert.equal(maxWeightChange(last, tail), 0);
    const [lastMany, tailMany] = [updated({}), updated({ average: 'tail' })];
    assert.ok(batchCount(3 * forgetIds.length, OPTIONS.batchSize) > 1, 'the fixture has several steps per epoch');
    assert.ok(maxWeightChange(lastMany, tailMany) > 1e-4, 'the average of several iterates is not the last one');
    assert.ok(maxWeightChange(tailMany, fixture.original) > 1e-4, 'the average still moved away from Mo');
    for (const model of [last, tail, lastMany, tailMany]) model.dispose();
    const model = cloneClassifier(fixture.original, fixture.architecture);
    try {
      assert.throws(
        () => alignedUpdate(ctx, model, easyIds, hardLabels, { ...OPTIONS, average: 'tail', select: 'split' }),
        /average 'tail' needs select 'last' and stop 'epochs'/,
      );
      assert.throws(
        () => alignedUpdate(ctx, model, easyIds, hardLabels, { ...OPTIONS, average: 'tail', stop: 'share' }),
        /average 'tail' needs/,
      );
    } finally {
      model.dispose();
    }
  });

  test("hardRepeatByClass presents each hard sample as often as its class's entry says, other classes at hardRepeat, and rejects a bad entry by name", () => {
    const { ctx } = fixture;
    const forgetIds = ctx.forgetIds;
    const forgetClass = labelOf(forgetIds[0]!);
    const hardLabels = new Map(forgetIds.slice(0, 6).map((id) => [id, (labelOf(id) + 1) % 10]));
    const easyIds = forgetIds.slice(6);
    const stepsWith = (options: Partial<AlignedUpdateOptions>): number => {
      const model = cloneClassifier(fixture.original, fixture.architecture);
      try {
        return alignedUpdate(ctx, model, easyIds, hardLabels, { ...OPTIONS, ...options }).steps;
      } finally {
        model.dispose();
      }
    };
    const base = ctx.retainIds.length + easyIds.length;
    // 64-sample batches: the counts below differ by whole batches only if the hard samples fill them.
    const expected = (repeat: number): number => batchCount(base + repeat * hardLabels.size, OPTIONS.batchSize);
    assert.notEqual(expected(1), expected(20), 'the fixture distinguishes the repeats');
    assert.equal(stepsWith({ hardRepeat: 1, hardRepeatByClass: new Map([[forgetClass, 20]]) }), expected(20));
    assert.equal(
      stepsWith({ hardRepeat: 20, hardRepeatByClass: new Map([[(forgetClass + 1) % 10, 1]]) }),
      expected(20),
      'a class without hard samples changes nothing',
    );
    assert.equal(stepsWith({ hardRepeat: 20, hardRepeatByClass: new Map([[forgetClass, 1]]) }), expected(1));
    const model = cloneClassifier(fixture.original, fixture.architecture);
    try {
      assert.throws(
        () =>
          alignedUpdate(ctx, model, easyIds, hardLabels, {
            ...OPTIONS,
            hardRepeatByClass: new Map([[forgetClass, 0]]),
          }),
        /hardRepeat/,
      );
    } finally {
      model.dispose();
    }
  });

  test("forgetWeights scale each forget sample's loss: hard samples at weight 0 leave Mo where the distilled retain set holds it, at weight 1 they move it; a negative or non-finite weight is refused by name", () => {
    const { ctx } = fixture;
    const hardLabels = new Map(ctx.forgetIds.slice(0, 20).map((id) => [id, (labelOf(id) + 1) % 10]));
    const moved = (weight: number): number => {
      const model = cloneClassifier(fixture.original, fixture.architecture);
      try {
        alignedUpdate(ctx, model, [], hardLabels, {
          ...OPTIONS,
          retainMultiple: 1,
          retainLoss: 'distill',
          forgetWeights: new Map([...hardLabels.keys()].map((id) => [id, weight])),
        });
        return maxWeightChange(model, fixture.original);
      } finally {
        model.dispose();
      }
    };
    const silenced = moved(0);
    const weighed = moved(1);
    assert.ok(silenced < 1e-4, `hard samples at weight 0 moved a weight by ${silenced}`);
    assert.ok(weighed > 1e-3, `hard samples at weight 1 moved no weight noticeably (${weighed})`);
    const model = cloneClassifier(fixture.original, fixture.architecture);
    try {
      const first = [...hardLabels.keys()][0]!;
      for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.throws(
          () => alignedUpdate(ctx, model, [], hardLabels, { ...OPTIONS, forgetWeights: new Map([[first, bad]]) }),
          new RegExp(`forgetWeights of '${first}'`),
        );
      }
    } finally {
      model.dispose();
    }
  });

  test("a focused retain sample is drawn from Df's classes and the hard samples' new classes, in proportion, the rest uniformly", () => {
    const { ctx } = fixture;
    const forgetIds = ctx.forgetIds.slice(0, 30);
    const forgetClass = labelOf(forgetIds[0]!);
    const newClass = (forgetClass + 1) % 10;
    const hardLabels = new Map(forgetIds.slice(0, 10).map((id) => [id, newClass]));
    // Weights: 30 for Df's class, 10 for the new class, so 3 : 1.
    const full = sampleRetain(ctx.train, ctx.retainIds, { forgetIds, hardLabels, count: 20, focus: 1 }, new Random(1));
    assert.equal(full.length, 20);
    assert.equal(new Set(full).size, 20, 'no sample twice');
    const retain = new Set(ctx.retainIds);
    assert.ok(
      full.every((id) => retain.has(id)),
      'only members of Dr',
    );
    const ofClass = (ids: readonly string[], c: number): number => ids.filter((id) => labelOf(id) === c).length;
    assert.ok(
      ctx.retainIds.filter((id) => labelOf(id) === forgetClass).length >= 15,
      'the fixture keeps enough of the class',
    );
    assert.equal(ofClass(full, forgetClass), 15);
    assert.equal(ofClass(full, newClass), 5);

    const half = sampleRetain(
      ctx.train,
      ctx.retainIds,
      { forgetIds, hardLabels, count: 40, focus: 0.5 },
      new Random(1),
    );
    assert.ok(
      ofClass(half, forgetClass) >= 15 && ofClass(half, newClass) >= 5,
      'at least the focused share of each class',
    );
    assert.ok(ofClass(half, forgetClass) + ofClass(half, newClass) < 40, 'the rest is drawn from every class');

    const uniform = sampleRetain(
      ctx.train,
      ctx.retainIds,
      { forgetIds, hardLabels, count: 80, focus: 0 },
      new Random(1),
    );
    assert.deepEqual(uniform, new Random(1).sample(ctx.retainIds, 80), 'focus 0 is the uniform sample');
  });

  test('the retain sample rejects a focus outside [0, 1] and a size larger than Dr, by name', () => {
    const { ctx } = fixture;
    const options = { forgetIds: ctx.forgetIds, hardLabels: new Map<string, number>(), count: 10 };
    assert.throws(() => sampleRetain(ctx.train, ctx.retainIds, { ...options, focus: 1.5 }, new Random(0)), /focus/);
    assert.throws(
      () => sampleRetain(ctx.train, ctx.retainIds, { ...options, focus: Number.NaN }, new Random(0)),
      /focus/,
    );
    assert.throws(
      () =>
        sampleRetain(
          ctx.train,
          ctx.retainIds,
          { ...options, count: ctx.retainIds.length + 1, focus: 0.5 },
          new Random(0),
        ),
      /count/,
    );
  });
});

describe('TMU update parameters', () => {
  test('updateAverage=tail is checked with the other parameters, before any work: the combinations it cannot average are refused by name', () => {
    assert.equal(resolveParams(tmu, { updateAverage: 'tail' }).updateAverage, 'tail');
    assert.equal(alignedUpdateOptions(resolveParams(tmu, { updateAverage: 'tail' }), 3).average, 'tail');
    assert.equal(alignedUpdateOptions(resolveParams(tmu, {}), 3).seed, 3);
    assert.throws(
      () => resolveParams(tmu, { updateAverage: 'tail', updateSelect: 'split' }),
      /updateAverage.*needs updateSelect 'last' and updateStop 'epochs'/,
    );
    assert.throws(() => resolveParams(tmu, { updateAverage: 'tail', updateStop: 'share' }), /updateAverage/);
    assert.throws(() => resolveParams(tmu, { updateAverage: 'mean' }), /updateAverage/);
  });

  test('splitWeight, predictorFolds and hardRateCalibration default to confidence weights, one fold and the hard rate as the twin measured it, and bad values are refused by name', () => {
    const byDefault = resolveParams(tmu, {});
    assert.deepEqual(
      [
        byDefault.splitWeight,
        byDefault.predictorFolds,
        byDefault.hardRepeat,
        byDefault.hardRateCalibration,
        byDefault.hardRateCalibrationSeeds,
        byDefault.hardRateCalibrationGate,
      ],
      ['confidence', 1, 1, 'none', 1, 0],
    );
    assert.equal(resolveParams(tmu, { predictorFolds: 5 }).predictorFolds, 5);
    for (const bad of [
      { splitWeight: 'probability' },
      { predictorFolds: 0 },
      { predictorFolds: 2.5 },
      { predictorFolds: 21 },
    ]) {
      assert.throws(() => resolveParams(tmu, bad), new RegExp(Object.keys(bad)[0]!), JSON.stringify(bad));
    }
  });
});
