import assert from 'node:assert/strict';
import { test } from 'node:test';
import { correctness } from '../../src/eval/accuracy.js';
import { evaluateSeed, type SeedInput } from '../../src/eval/evaluate.js';
import type { SplitOutputs } from '../../src/eval/outputs.js';
import { SIZES, sampleSeedInput } from './sample.js';

function reversedDetails(input: SeedInput): SeedInput {
  const tmu = input.methods.find((m) => m.name === 'tmu')!;
  const details = tmu.predictor!;
  const n = details.ids.length;
  const width = details.featureNames.length;
  const order = Array.from({ length: n }, (_, i) => n - 1 - i);
  const features = new Float32Array(n * width);
  for (const [to, from] of order.entries())
    features.set(details.features.subarray(from * width, (from + 1) * width), to * width);
  return {
    ...input,
    methods: input.methods.map((m) =>
      m !== tmu
        ? m
        : {
            ...m,
            predictor: {
              ids: order.map((i) => details.ids[i]!),
              features,
              featureNames: details.featureNames,
              easyProbability: Float32Array.from(order, (i) => details.easyProbability[i]!),
              predictedHard: Uint8Array.from(order, (i) => details.predictedHard[i]!),
            },
          },
    ),
  };
}

test("a method whose outputs are the gold model's has zero gaps, ToW 1, agreement 100, zero distances and RTE = its seconds / retrain seconds", () => {
  const input = sampleSeedInput(0, { methods: [] });
  const result = evaluateSeed({
    ...input,
    methods: [{ name: 'copy-of-gold', params: {}, seconds: 8, outputs: input.gold.outputs }],
  });
  const method = result.methods[0]!;
  assert.deepEqual(method.alignment.gap, { forget: 0, retain: 0, test: 0, mia: 0 });
  assert.equal(method.alignment.avgGap, 0);
  assert.equal(method.alignment.tow, 1);
  assert.equal(method.alignment.agreement, 100);
  assert.equal(method.alignment.easyRecall, 100);
  assert.equal(method.alignment.hardForget, 100);
  assert.equal(method.alignment.activationDistance, 0);
  assert.equal(method.alignment.jsDivergence, 0);
  assert.equal(method.rte, 8 / input.gold.seconds);
  assert.deepEqual(method.metrics, result.gold.metrics);
  assert.equal(method.predictor, null);
});

test('evaluateSeed reports sizes, the original compared with gold, the noise floor and predictor quality for TMU only', () => {
  const result = evaluateSeed(sampleSeedInput(1));
  assert.deepEqual(result.sizes, SIZES);
  assert.ok(result.original.alignment.gap.forget > 5, 'the original remembers Df');
  assert.ok(result.noiseFloor !== null);
  const tmu = result.methods.find((m) => m.name === 'tmu')!;
  assert.ok(tmu.predictor && tmu.predictor.accuracy > 50 && tmu.predictor.auroc > 0.5);
  assert.equal(tmu.scatter!.points.length, SIZES.forget);
  assert.ok(result.methods.filter((m) => m.name !== 'tmu').every((m) => m.predictor === null && m.scatter === null));
  assert.equal(JSON.stringify(result).includes('logits'), false, 'a seed result holds no logits');
});

test('predictor details are matched to Df by id, so their order does not change the predictor quality', () => {
  const input = sampleSeedInput(2);
  const a = evaluateSeed(input).methods.find((m) => m.name === 'tmu')!;
  const b = evaluateSeed(reversedDetails(input)).methods.find((m) => m.name === 'tmu')!;
  assert.deepEqual(b.predictor, a.predictor);
});

test('the predictor scatter is capped at maxScatterPoints by a seeded subsample', () => {
  const input = sampleSeedInput(0);
  const scatter = evaluateSeed(input, { maxScatterPoints: 30 }).methods.find((m) => m.name === 'tmu')!.scatter!;
  assert.equal(scatter.points.length, 30);
  assert.equal(scatter.shown, 30);
  assert.equal(scatter.total, SIZES.forget);
  assert.deepEqual(
    evaluateSeed(input, { maxScatterPoints: 30 }).methods.find((m) => m.name === 'tmu')!.scatter,
    scatter,
  );
  assert.equal(scatter.xFeature, 'distance');
  assert.equal(scatter.yFeature, 'adversarial');
});

test('evaluateSeed rejects a model evaluated on other rows than the gold model, naming the model and the set', () => {
  const input = sampleSeedInput(0, { methods: ['finetune'] });
  const method = input.methods[0]!;
  const shifted: SplitOutputs = {
    ...method.outputs,
    test: { ...method.outputs.test, ids: method.outputs.test.ids!.map((id, i) => (i === 3 ? 'other/id' : id)) },
  };
  assert.throws(
    () => evaluateSeed({ ...input, methods: [{ ...method, outputs: shifted }] }),
    /finetune vs gold on test: row 3/,
  );
  const shorter: SplitOutputs = {
    ...method.outputs,
    forget: {
      ...method.outputs.forget,
      labels: method.outputs.forget.labels.subarray(1),
      logits: method.outputs.forget.logits.subarray(10),
      ids: method.outputs.forget.ids!.slice(1),
    },
  };
  assert.throws(
    () => evaluateSeed({ ...input, methods: [{ ...method, outputs: shorter }] }),
    /finetune vs gold on forget/,
  );
});

test('evaluateSeed rejects a method name given twice on a seed', () => {
  const input = sampleSeedInput(0, { methods: ['finetune'] });
  assert.throws(() => evaluateSeed({ ...input, methods: [input.methods[0]!, input.methods[0]!] }), /appears twice/);
});

test("each feature's own AUROC for the gold model's mistakes is reported: a feature that is Mg's wrongness scores 1, its negation 0", () => {
  const input = sampleSeedInput(1);
  const goldWrong = Array.from(correctness(input.gold.outputs.forget), (right) => 1 - right);
  assert.ok(
    goldWrong.some((w) => w === 1) && goldWrong.some((w) => w === 0),
    'Mg is right on some of Df and wrong on some',
  );
  const features = new Float32Array(goldWrong.length * 2);
  goldWrong.forEach((wrong, i) => {
    features[2 * i] = wrong;
    features[2 * i + 1] = -wrong;
  });
  const methods = input.methods.map((m) =>
    m.name !== 'tmu'
      ? m
      : { ...m, predictor: { ...m.predictor!, features, featureNames: ['distance' as const, 'curriculum' as const] } },
  );
  const tmu = evaluateSeed({ ...input, methods }).methods.find((m) => m.name === 'tmu')!;
  assert.deepEqual(tmu.predictor!.featureAuroc, { distance: 1, curriculum: 0 });
});
