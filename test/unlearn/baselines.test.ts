/**
 * The baseline unlearning methods on a tiny real subset of Fashion-MNIST: each runs, returns a new
 * model, leaves Mo bit-identical, moves what it should, and rejects unknown parameters; through the
 * CLI, `tmu methods` lists all of them and `tmu unlearn` never touches Mo's files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { retainIds, selectForget } from '../../src/data/forget.js';
import { createModel } from '../../src/models/architecture.js';
import type { Classifier } from '../../src/models/classifier.js';
import { accuracy, predict } from '../../src/train/predict.js';
import { initialiseSeed, train } from '../../src/train/trainer.js';
import type { UnlearnContext } from '../../src/unlearn/context.js';
import { getMethod, listMethods } from '../../src/unlearn/methods.js';
import { resolveParams } from '../../src/unlearn/params.js';
import { runMethod, type TimedResult } from '../../src/unlearn/run.js';
import {
  buildFixture,
  changedEntries,
  type Fixture,
  fashionSubset,
  hashFiles,
  meanTrueClassConfidence,
  REPO_ROOT,
  snapshot,
  TMU_BIN,
  tempDir,
} from './support.js';

const BASELINES = [
  'retrain',
  'finetune',
  'gradient-ascent',
  'gradient-ascent-calibrated',
  'neggrad-plus',
  'random-label',
  'boundary-shrink',
  'l1-sparse',
  'salun',
  'scrub',
  'bad-teacher',
  'ssd',
] as const;

const work = tempDir();
const dataDir = fashionSubset(join(work, 'data'));

describe('baseline unlearning methods', () => {
  let fixture: Fixture;
  let moBefore: Map<string, Buffer>;
  const acc = (model: Classifier, set: 'forget' | 'retain' | 'test'): number => {
    const { ctx } = fixture;
    const ids = set === 'forget' ? ctx.forgetIds : set === 'retain' ? ctx.retainIds : ctx.split.test;
    return accuracy(predict(model, set === 'test' ? ctx.test : ctx.train, ids, { normalize: ctx.normalize }));
  };
  let moAcc: Record<'forget' | 'retain' | 'test', number>;
  let moForgetConfidence: number;

  before(() => {
    fixture = buildFixture(dataDir, { epochs: 8, forgetClass: 8, fraction: 0.5 });
    moBefore = snapshot(fixture.original);
    moAcc = {
      forget: acc(fixture.original, 'forget'),
      retain: acc(fixture.original, 'retain'),
      test: acc(fixture.original, 'test'),
    };
    moForgetConfidence = meanTrueClassConfidence(fixture.ctx, fixture.original, fixture.ctx.forgetIds);
  });
  after(() => fixture?.original.dispose());

  /**
   * Runs a method with `params`, checks the invariants every method keeps (a new model in eval mode with
   * other weights than Mo's; Mo bit-identical) and hands the result to `check` before disposing it.
   */
  function runChecked(name: string, params: Record<string, unknown>, check: (result: TimedResult) => void): void {
    const result = runMethod(fixture.ctx, getMethod(name), params);
    try {
      assert.notEqual(result.model, fixture.original, 'a new model, not Mo');
      assert.equal(result.model.training, false, 'returned in eval mode');
      assert.ok(changedEntries(moBefore, snapshot(result.model)).length > 0, `${name} changed no weight`);
      assert.deepEqual(changedEntries(moBefore, snapshot(fixture.original)), [], `${name} modified Mo`);
      assert.equal(fixture.original.training, false, `${name} changed Mo's mode`);
      check(result);
    } finally {
      result.model.dispose();
    }
  }

  test('the tiny original model has learned (sanity of the fixture)', () => {
    assert.ok(moAcc.test > 65, `Mo test accuracy ${moAcc.test}`);
    assert.ok(moAcc.forget > 80, `Mo Df accuracy ${moAcc.forget}`);
    assert.ok(fixture.ctx.forgetIds.length >= 30, `|Df| = ${fixture.ctx.forgetIds.length}`);
  });

  test('retrain reproduces the gold model (trained on Dr with the recipe) bit for bit', () => {
    const { ctx } = fixture;
    // Three epochs instead of the fixture's eight keep the test short; the seeding is the recipe's.
    initialiseSeed(ctx.recipe.seed);
    const gold = createModel(ctx.architecture);
    train({
      model: gold,
      dataset: ctx.train,
      ids: ctx.retainIds,
      recipe: { ...ctx.recipe, epochs: 3 },
      normalize: ctx.normalize,
    });
    try {
      runChecked('retrain', { epochs: 3 }, (result) => {
        assert.deepEqual(changedEntries(snapshot(gold), snapshot(result.model)), []);
        assert.equal(result.summary.epochs, 3);
      });
    } finally {
      gold.dispose();
    }
  });

  test('finetune keeps test accuracy within 2 pp of Mo', () => {
    runChecked('finetune', {}, (result) => {
      const testAcc = acc(result.model, 'test');
      assert.ok(Math.abs(testAcc - moAcc.test) <= 2, `test ${testAcc} vs Mo ${moAcc.test}`);
    });
  });

  // The defaults were chosen on a full-size validation scenario (|Df| ~ 450, docs/baselines.md) where Mo
  // is already close to the gold model, so some are deliberately gentle; with |Df| ~ 50 here a Df epoch
  // is a single step. Those methods are pinned at the published (stronger) settings instead, which
  // still shows the direction of their effect.
  const strongerHere: Record<string, Record<string, unknown>> = {
    'gradient-ascent': { lr: 3e-3, epochs: 3 },
    'boundary-shrink': { lr: 1e-3, epochs: 3 },
    scrub: { lr: 2e-3, forgetBatchSize: 8 },
    'bad-teacher': { lr: 1e-4 },
  };

  for (const name of ['gradient-ascent', 'random-label', 'salun', 'boundary-shrink', 'neggrad-plus'] as const) {
    test(`${name} lowers Df accuracy below Mo's`, () => {
      runChecked(name, strongerHere[name] ?? {}, (result) => {
        const forgetAcc = acc(result.model, 'forget');
        assert.ok(forgetAcc < moAcc.forget, `Df ${forgetAcc} vs Mo ${moAcc.forget}`);
        // Not one lucky sample: the true class loses probability over Df as a whole.
        const confidence = meanTrueClassConfidence(fixture.ctx, result.model, fixture.ctx.forgetIds);
        assert.ok(confidence < moForgetConfidence - 0.02, `Df confidence ${confidence} vs Mo ${moForgetConfidence}`);
      });
    });
  }

  test('salun updates only the salient share of the weights', () => {
    runChecked('salun', { saliencyFraction: 0.2, weightDecay: 0 }, (result) => {
      let moved = 0;
      let total = 0;
      const original = fixture.original.stateDict();
      for (const [name, tensor] of result.model.stateDict()) {
        const after = tensor.toTypedArray() as Float32Array;
        const before = original.get(name)!.toTypedArray() as Float32Array;
        for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) moved++;
        total += after.length;
      }
      const salient = result.summary.salientWeights as number;
      assert.equal(salient, Math.round(0.2 * total));
      // Without weight decay only masked-in weights can move (a salient one may happen not to).
      assert.ok(moved <= salient, `${moved} weights moved, ${salient} salient`);
      assert.ok(moved > 0.5 * salient, `${moved} weights moved, ${salient} salient`);
    });
  });

  /** The fixture's context with another forget set: half of a class's members. */
  const forgetClass = (label: number): UnlearnContext => {
    const { ctx } = fixture;
    const forgetIds = selectForget(ctx.split, ctx.train, { scenario: 'subclass', class: label, fraction: 0.5 }, 0).ids;
    return { ...ctx, forgetIds, retainIds: retainIds(ctx.split, forgetIds) };
  };
  /** Mo's accuracy on the holdout samples of a class. */
  const holdoutAcc = (ctx: UnlearnContext, label: number): number =>
    accuracy(
      predict(
        fixture.original,
        ctx.train,
        ctx.holdoutIds.filter((id) => ctx.train.labels[ctx.train.indexOf(id)] === label),
        { normalize: ctx.normalize },
      ),
    );

  test("gradient-ascent-calibrated stops at the first check where Df accuracy reaches Mo's holdout accuracy on the class", () => {
    // Class 1 (trousers): Mo scores higher on its members than on unseen ones, so there is ascent to do.
    const ctx = forgetClass(1);
    const target = holdoutAcc(ctx, 1);
    const result = runMethod(ctx, getMethod('gradient-ascent-calibrated'), {});
    try {
      const summary = result.summary as {
        target: number;
        initialForgetAcc: number;
        forgetAcc: number;
        steps: number;
        reached: boolean;
        forgetAccHistory: number[];
      };
      assert.ok(Math.abs(summary.target - target) < 1e-9, `target ${summary.target} vs ${target}`);
      assert.ok(summary.initialForgetAcc > target, `Mo Df ${summary.initialForgetAcc} vs target ${target}`);
      assert.equal(summary.reached, true);
      assert.ok(summary.steps >= 1);
      assert.equal(
        accuracy(predict(result.model, ctx.train, ctx.forgetIds, { normalize: ctx.normalize })),
        summary.forgetAcc,
      );
      assert.ok(summary.forgetAcc <= target);
      // Every earlier check was still above the target: it did not ascend further than needed.
      assert.ok(
        summary.forgetAccHistory.slice(0, -1).every((value) => value > target),
        JSON.stringify(summary.forgetAccHistory),
      );
      assert.equal(summary.forgetAccHistory.length, summary.steps + 1);
      assert.deepEqual(changedEntries(moBefore, snapshot(fixture.original)), [], 'Mo modified');
    } finally {
      result.model.dispose();
    }
  });

  test('gradient-ascent-calibrated takes no step when Df accuracy is already at or below the target', () => {
    // Class 8 on this subset: Mo scores no better on its members than on the holdout bags.
    const ctx = fixture.ctx;
    assert.ok(moAcc.forget <= holdoutAcc(ctx, 8));
    const result = runMethod(ctx, getMethod('gradient-ascent-calibrated'), {});
    try {
      assert.equal(result.summary.steps, 0);
      assert.equal(result.summary.reached, true);
      assert.deepEqual(changedEntries(moBefore, snapshot(result.model)), []);
      assert.notEqual(result.model, fixture.original);
    } finally {
      result.model.dispose();
    }
  });

  test('gradient-ascent-calibrated gives up after maxSteps and says the target was not reached', () => {
    const result = runMethod(forgetClass(1), getMethod('gradient-ascent-calibrated'), { maxSteps: 2, lr: 1e-9 });
    // With a vanishing step Df accuracy stays above the target; maxSteps bounds the run.
    assert.equal(result.summary.steps, 2);
    assert.equal(result.summary.reached, false);
    result.model.dispose();
  });

  for (const name of ['scrub', 'bad-teacher'] as const) {
    test(`${name} lowers the mean Df confidence (softmax of the true class)`, () => {
      runChecked(name, strongerHere[name] ?? {}, (result) => {
        const confidence = meanTrueClassConfidence(fixture.ctx, result.model, fixture.ctx.forgetIds);
        assert.ok(confidence < moForgetConfidence - 0.02, `Df confidence ${confidence} vs Mo ${moForgetConfidence}`);
      });
    });
  }

  test('l1-sparse lowers the l1 norm of the weights and keeps test accuracy', () => {
    const l1 = (model: Classifier): number => model.parameters().reduce((sum, p) => sum + p.abs().sum().item(), 0);
    runChecked('l1-sparse', {}, (result) => {
      assert.ok(l1(result.model) < l1(fixture.original), `l1 ${l1(result.model)} vs Mo ${l1(fixture.original)}`);
      assert.ok(acc(result.model, 'test') >= moAcc.test - 5);
    });
  });

  test('ssd only shrinks weights (same sign, smaller magnitude) and dampens a small share of them', () => {
    // The default alpha (100, chosen on class 3) may select nothing on this tiny model; 20 always dampens here.
    runChecked('ssd', { alpha: 20 }, (result) => {
      const summary = result.summary as { dampenedWeights: number; dampenedShare: number };
      assert.ok(summary.dampenedWeights > 0);
      assert.ok(summary.dampenedShare < 0.5, `dampened share ${summary.dampenedShare}`);
      const original = fixture.original.stateDict();
      for (const [name, tensor] of result.model.stateDict()) {
        const after = tensor.toTypedArray() as Float32Array;
        const before = original.get(name)!.toTypedArray() as Float32Array;
        for (let i = 0; i < after.length; i++) {
          if (after[i] === before[i]) continue;
          assert.ok(
            (Math.abs(after[i]!) < Math.abs(before[i]!) && Math.sign(after[i]!) === Math.sign(before[i]!)) ||
              after[i] === 0,
            `${name}[${i}]: ${before[i]} -> ${after[i]}`,
          );
        }
      }
    });
  });

  test('every baseline rejects an unknown parameter, listing the valid ones', () => {
    for (const name of BASELINES) {
      const method = getMethod(name);
      const valid = Object.keys(method.params.shape);
      assert.throws(
        () => resolveParams(method, { notAParam: 1 }),
        (error: Error) => {
          assert.match(error.message, /unknown parameter notAParam/);
          assert.ok(error.message.includes(`(valid: ${valid.join(', ')})`), error.message);
          return true;
        },
      );
      // Every parameter has a default and a description.
      assert.doesNotThrow(() => resolveParams(method, {}));
      for (const [key, schema] of Object.entries(method.params.shape))
        assert.ok((schema as { description?: string }).description, `${name}.${key} has no description`);
    }
  });

  test('all twelve baselines are registered with a description and a reference', () => {
    const names = listMethods().map((method) => method.name);
    for (const name of BASELINES) assert.ok(names.includes(name), `${name} missing from ${names.join(', ')}`);
    for (const name of BASELINES) {
      const method = getMethod(name);
      assert.ok(method.description.length > 40 && method.reference.length > 10, name);
    }
  });
});

describe('tmu methods and tmu unlearn (CLI)', () => {
  const run = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const result = spawnSync(process.execPath, [TMU_BIN, ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, TMU_NUM_THREADS: '2' },
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const ok = (args: string[]): string => {
    const result = run(args);
    assert.equal(result.status, 0, `tmu ${args.join(' ')}:\n${result.stderr.slice(-2000)}`);
    return result.stdout;
  };

  test('tmu methods --json lists the twelve baselines with their parameters', () => {
    const { methods } = JSON.parse(ok(['methods', '--json'])) as {
      methods: { name: string; params: { name: string; default: unknown }[] }[];
    };
    const names = methods.map((method) => method.name);
    for (const name of BASELINES) assert.ok(names.includes(name), `${name} missing from ${names.join(', ')}`);
    const salun = methods.find((method) => method.name === 'salun')!;
    assert.deepEqual(salun.params.find((param) => param.name === 'saliencyFraction')?.default, 0.5);
  });

  test("tmu methods names each parameter's type: choices, and a number or a word for unions", () => {
    const { methods } = JSON.parse(ok(['methods', '--json'])) as {
      methods: { name: string; params: { name: string; type: string }[] }[];
    };
    const typeOf = (name: string): string | undefined =>
      methods.find((method) => method.name === 'tmu')!.params.find((param) => param.name === name)?.type;
    assert.equal(typeOf('hardLabel'), 'runner-up|random');
    assert.equal(typeOf('threshold'), 'rate|number');
    assert.equal(typeOf('easyTemperature'), 'number|holdout');
    assert.equal(typeOf('updateSeed'), 'integer|null');
    assert.equal(typeOf('updateLr'), 'number');
  });

  test("tmu unlearn leaves the original model's files byte-identical and records params and seconds", () => {
    const modelDir = join(work, 'cli-original');
    const forgetFile = join(work, 'cli-forget.json');
    ok(['train', '--data-dir', dataDir, '--epochs', '2', '--out', modelDir]);
    ok([
      'split',
      '--split',
      join(modelDir, 'split.json'),
      '--data-dir',
      dataDir,
      '--scenario',
      'subclass',
      '--class',
      '8',
      '--fraction',
      '0.5',
      '--forget-out',
      forgetFile,
    ]);
    const before = hashFiles(modelDir);
    // One method of each kind (stopped ascent, masked relabelling, distillation, one-shot weight edit):
    // the CLI path that reads Mo and writes Mu is the same for every method.
    for (const name of ['gradient-ascent-calibrated', 'salun', 'scrub', 'ssd']) {
      const out = join(work, `cli-${name}`);
      const params: string[] = [];
      const summary = JSON.parse(
        ok([
          'unlearn',
          '--model',
          modelDir,
          '--forget',
          forgetFile,
          '--method',
          name,
          ...params,
          '--out',
          out,
          '--json',
        ]),
      ) as { method: string; seconds: number };
      assert.equal(summary.method, name);
      const sidecar = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as {
        unlearning: { method: string; params: Record<string, unknown>; seconds: number };
      };
      assert.equal(sidecar.unlearning.method, name);
      assert.deepEqual(Object.keys(sidecar.unlearning.params).sort(), Object.keys(getMethod(name).params.shape).sort());
      assert.ok(sidecar.unlearning.seconds > 0);
      assert.deepEqual(hashFiles(modelDir), before, `tmu unlearn --method ${name} changed ${modelDir}`);
    }
    // A bad parameter fails with the valid ones listed, before anything is written.
    const bad = run([
      'unlearn',
      '--model',
      modelDir,
      '--forget',
      forgetFile,
      '--method',
      'scrub',
      '--param',
      'lrr=0.1',
      '--out',
      join(work, 'cli-bad'),
    ]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /unknown parameter lrr \(valid: epochs, maxEpochs/);
  });
});
