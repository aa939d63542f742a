import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { IDENTITY_NORMALIZE } from '../../src/data/tableDataset.js';
import type { MLP } from '../../src/models/mlp.js';
import { loadModel } from '../../src/train/modelStore.js';
import { predict } from '../../src/train/predict.js';
import { getMethod } from '../../src/unlearn/methods.js';
import { isTableData } from '../../src/unlearn/preprocessingFold.js';
import {
  buildContext,
  type PreparedOriginal,
  prepareOriginal,
  releaseContext,
  runMethod,
  saveUnlearned,
} from '../../src/unlearn/run.js';
import { trainTableModel } from './support.js';

const CREDIT = fileURLToPath(new URL('../../../datasets/customers/credit_data.csv.gz', import.meta.url));

describe('preprocessing forgets with the rows a request deletes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tmu-fold-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const modelDir = join(dir, 'model');
  let original: PreparedOriginal;
  let forget: string[];

  before(() => {
    // The first 600 applicants: missing values, and a rare home category ("ignore") to delete entirely.
    const { opened, split } = trainTableModel({
      source: CREDIT,
      rows: 600,
      label: 'Status',
      dir,
      epochs: 3,
      curriculumEpoch: 0,
    });
    original = prepareOriginal(modelDir);
    const home = opened.train.column('Home').values as (string | null)[];
    const members = new Set(split.member);
    const ignore = opened.train.ids.filter((id, i) => members.has(id) && home[i] === 'ignore');
    assert.ok(ignore.length > 0, 'the members include a home category to delete');
    const others = split.member.filter((id, k) => k % 7 === 0 && !ignore.includes(id));
    forget = [...ignore, ...others];
  });
  after(() => original?.loaded.model.dispose());

  test('every remaining member without missing values gets the same logits after the fold; rows with one change', () => {
    const ctx = buildContext(original, forget);
    try {
      const before = predict(original.loaded.model, original.data.train, ctx.retainIds, {
        normalize: IDENTITY_NORMALIZE as unknown as { mean: number[]; std: number[] },
        logits: true,
      });
      const afterFold = predict(ctx.original, ctx.train, ctx.retainIds, { normalize: ctx.normalize, logits: true });
      assert.ok(isTableData(original.data));
      const table = original.data.table;
      const rows = original.data.train.indicesOf(ctx.retainIds);
      let exact = 0;
      let changed = 0;
      for (let k = 0; k < ctx.retainIds.length; k++) {
        const i = rows[k]!;
        const complete = table.train.columns.every(
          (c) => !(c.type === 'numeric' || c.type === 'boolean') || !Number.isNaN((c.values as Float64Array)[i]),
        );
        let worst = 0;
        for (let c = 0; c < 2; c++)
          worst = Math.max(worst, Math.abs(before.logits![k * 2 + c]! - afterFold.logits![k * 2 + c]!));
        if (complete) {
          assert.ok(worst < 1e-4, `${ctx.retainIds[k]}: logits moved by ${worst}`);
          exact++;
        } else if (worst > 1e-6) changed++;
      }
      assert.ok(exact > 250, `${exact} complete rows compared`);
      assert.ok(changed > 0, 'a row with a missing value is imputed with the refitted statistics');
      // The statistics moved: the deleted rows no longer count.
      assert.notDeepEqual(ctx.preprocessing, original.data.preprocessing);
    } finally {
      releaseContext(ctx, original);
    }
  });

  test('a category only deleted rows had is gone from the unlearned model: no name, no weights', () => {
    const ctx = buildContext(original, forget);
    const method = getMethod('retrain');
    const result = runMethod(ctx, method, { epochs: 2 });
    const out = join(dir, 'unlearned');
    try {
      saveUnlearned(out, original, ctx, method, result);
    } finally {
      result.model.dispose();
      releaseContext(ctx, original);
    }
    const sidecarText = readFileSync(join(out, 'model.json'), 'utf8');
    assert.ok(!sidecarText.includes('"ignore"'), 'the category name is not in the unlearned sidecar');
    assert.ok(readFileSync(join(modelDir, 'model.json'), 'utf8').includes('"ignore"'), 'the original had it');
    const unlearned = loadModel(out);
    try {
      const state = unlearned.sidecar.dataset.preprocessing!;
      let offset = 0;
      let column = -1;
      for (const block of state.columns) {
        if (block.kind === 'categorical' && block.name === 'Home') column = offset + block.categories.indexOf(null);
        offset += block.kind === 'numeric' ? (block.indicator ? 2 : 1) : block.categories.length + 1;
      }
      assert.ok(column >= 0, 'the home block keeps a nameless slot');
      const model = unlearned.model as MLP;
      const weight = model.inputLayer.weight.toTypedArray() as Float32Array;
      for (let o = 0; o < 16; o++)
        assert.ok(weight[o * state.width + column] === 0, `weight ${o} of the removed column`);
    } finally {
      unlearned.model.dispose();
    }
  });
});
