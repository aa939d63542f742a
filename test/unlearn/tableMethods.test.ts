/**
 * Every registered unlearning method on a table model (an MLP over 400 real churn customers): each runs
 * on the refitted, folded preprocessing, returns a new model with finite outputs, leaves Mo untouched,
 * and its version is saved with the refitted preprocessing. TMU's adversarial feature moves only the
 * standardised numeric inputs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { FeatureDataset } from '../../src/data/featureDataset.js';
import { tidy } from '../../src/tensor/index.js';
import { predict } from '../../src/train/predict.js';
import { inputBox } from '../../src/unlearn/inputBox.js';
import { listMethods } from '../../src/unlearn/methods.js';
import {
  buildContext,
  type PreparedOriginal,
  prepareOriginal,
  releaseContext,
  runMethod,
  saveUnlearned,
} from '../../src/unlearn/run.js';
import { trainTableModel } from './support.js';

const CHURN = fileURLToPath(new URL('../../../datasets/customers/wa_churn.csv.gz', import.meta.url));

describe('every unlearning method on a table model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tmu-table-methods-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const modelDir = join(dir, 'model');
  let original: PreparedOriginal;
  let forget: string[];
  let weightsBefore: Buffer;

  before(() => {
    const { split } = trainTableModel({
      source: CHURN,
      rows: 400,
      label: 'churn',
      dir,
      epochs: 4,
      curriculumEpoch: 1,
    });
    weightsBefore = readFileSync(join(modelDir, 'model.safetensors'));
    original = prepareOriginal(modelDir);
    forget = split.member.filter((_, k) => k % 12 === 0);
  });
  after(() => original?.loaded.model.dispose());

  for (const method of listMethods()) {
    test(`${method.name} unlearns a table model and its version keeps the refitted preprocessing`, () => {
      const ctx = buildContext(original, forget, { seed: 1 });
      const result = runMethod(ctx, method, {});
      try {
        const out = predict(result.model, ctx.test, ctx.split.test, { normalize: ctx.normalize, logits: true });
        assert.ok(
          out.logits!.every((v) => Number.isFinite(v)),
          'finite logits',
        );
        const saved = saveUnlearned(join(dir, method.name), original, ctx, method, result);
        assert.deepEqual(saved.dataset.preprocessing, ctx.preprocessing);
      } finally {
        result.model.dispose();
        releaseContext(ctx, original);
      }
      assert.ok(readFileSync(join(modelDir, 'model.safetensors')).equals(weightsBefore), 'Mo untouched');
    });
  }

  test("TMU's adversarial feature moves the standardised numeric inputs only, by at most eps", () => {
    const train = original.data.train;
    assert.ok(train instanceof FeatureDataset);
    const numeric = train.perturbable.reduce((a, b) => a + b, 0);
    assert.ok(numeric >= 3 && numeric < train.width, `${numeric} of ${train.width} inputs are numeric`);
    tidy(() => {
      const box = inputBox(train, { mean: [0], std: [1] }, 0.25, 0.1);
      const eps = box.eps.toTypedArray() as Float32Array;
      assert.equal(box.low, null);
      for (let j = 0; j < train.width; j++) assert.equal(eps[j], train.perturbable[j] ? 0.25 : 0);
      const step = box.step.toTypedArray() as Float32Array;
      for (let j = 0; j < train.width; j++) assert.equal(step[j], train.perturbable[j] ? Math.fround(0.1) : 0);
    });
  });
});
