import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  CosineAnnealingLR,
  LinearLR,
  type LRScheduler,
  SequentialLR,
  SGD,
  StepLR,
  warmupCosine,
} from '../../src/optim/index.js';
import { tidy, zeros } from '../../src/tensor/index.js';
import { assertClose, loadFixture, type ScheduleFixture } from './support.js';

/** An SGD over one dummy parameter per learning rate (one param group each). */
function optimizerWith(...lrs: number[]): SGD {
  return new SGD(
    lrs.map((lr) => ({ params: [zeros([1]).requiresGrad_()], lr })),
    { lr: lrs[0]! },
  );
}

/** The first group's lr during each of `epochs` epochs (read before each step(), as the fixtures do). */
function lrSequence(optimizer: SGD, scheduler: LRScheduler, epochs: number): number[] {
  const lrs: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    lrs.push(optimizer.lr);
    scheduler.step();
  }
  return lrs;
}

describe('schedules against torch.optim.lr_scheduler fixtures', () => {
  const CASES: [string, (optimizer: SGD) => LRScheduler][] = [
    ['lr_cosine_annealing', (o) => new CosineAnnealingLR(o, { tMax: 10, etaMin: 0 })],
    ['lr_step', (o) => new StepLR(o, { stepSize: 3, gamma: 0.1 })],
    ['lr_linear_warmup', (o) => new LinearLR(o, { startFactor: 0.1, endFactor: 1, totalIters: 5 })],
  ];
  for (const [name, make] of CASES) {
    test(`${name}: the lr of each of 12 epochs matches PyTorch's recursive and closed-form values`, () => {
      const fixture = loadFixture<ScheduleFixture>(name);
      tidy(() => {
        const optimizer = optimizerWith(fixture.params.base_lr as number);
        const lrs = lrSequence(optimizer, make(optimizer), fixture.outputs.lr.data.length);
        assertClose(lrs, fixture.outputs.lr.data, 1e-9, `${name} lr`);
        if (fixture.outputs.lr_closed_form)
          assertClose(lrs, fixture.outputs.lr_closed_form.data, 1e-9, `${name} closed form`);
      });
    });
  }

  test('cosine annealing past tMax rises again along the cosine, as PyTorch does', () => {
    tidy(() => {
      const optimizer = optimizerWith(0.1);
      const lrs = lrSequence(optimizer, new CosineAnnealingLR(optimizer, { tMax: 10 }), 12);
      assertClose([lrs[10]!, lrs[11]!], [0, 0.0024471741852423], 1e-12, 'lr');
    });
  });
});

describe('scheduler mechanics', () => {
  test('construction applies epoch 0; lastEpoch counts steps; getLastLr matches every group', () => {
    tidy(() => {
      const optimizer = optimizerWith(0.1, 0.02);
      const scheduler = new LinearLR(optimizer, { startFactor: 0.5, totalIters: 2 });
      assert.equal(scheduler.lastEpoch, 0);
      assertClose(
        optimizer.paramGroups.map((g) => g.lr),
        [0.05, 0.01],
        1e-15,
        'epoch 0',
      );
      scheduler.step();
      assert.equal(scheduler.lastEpoch, 1);
      assertClose(scheduler.getLastLr(), [0.075, 0.015], 1e-15, 'epoch 1');
      assert.deepEqual(
        scheduler.getLastLr(),
        optimizer.paramGroups.map((g) => g.lr),
      );
      assert.deepEqual(scheduler.baseLrs, [0.1, 0.02]);
    });
  });

  test('a second scheduler on the same optimizer starts from the original lr (initialLr), not the changed one', () => {
    tidy(() => {
      const optimizer = optimizerWith(0.1);
      new LinearLR(optimizer, { startFactor: 0.1 });
      assertClose([optimizer.lr], [0.01], 1e-15, 'after LinearLR');
      const step = new StepLR(optimizer, { stepSize: 2 });
      assert.deepEqual(step.baseLrs, [0.1]);
      assert.equal(optimizer.lr, 0.1);
    });
  });

  test('SequentialLR of a linear warm-up then cosine gives PyTorch 1.13 SequentialLR values', () => {
    // torch.optim.lr_scheduler.SequentialLR(opt, [LinearLR(opt, 0.1, 1.0, 3), CosineAnnealingLR(opt,
    // T_max=7, eta_min=0.001)], milestones=[3]) with SGD lr 0.1, lr read before each of 12 steps.
    const torch = [
      0.010000000000000002, 0.04, 0.07, 0.1, 0.09509795896116975, 0.08136274519200731, 0.061514786230837566,
      0.03948521376916245, 0.019637254807992697, 0.005902041038830259, 0.001, 0.005902041038830253,
    ];
    tidy(() => {
      const optimizer = optimizerWith(0.1);
      const scheduler = new SequentialLR(optimizer, {
        schedulers: [
          new LinearLR(optimizer, { startFactor: 0.1, endFactor: 1, totalIters: 3 }),
          new CosineAnnealingLR(optimizer, { tMax: 7, etaMin: 0.001 }),
        ],
        milestones: [3],
      });
      assertClose(lrSequence(optimizer, scheduler, 12), torch, 1e-9, 'lr');

      const other = optimizerWith(0.1);
      const recipe = warmupCosine(other, { warmupEpochs: 3, epochs: 10, warmupStartFactor: 0.1, etaMin: 0.001 });
      assertClose(lrSequence(other, recipe, 12), torch, 1e-9, 'warmupCosine lr');
    });
  });

  test('a scheduler restored from a JSON state dict continues with the same learning rates', () => {
    tidy(() => {
      const optimizer = optimizerWith(0.1, 0.3);
      const scheduler = warmupCosine(optimizer, { warmupEpochs: 2, epochs: 8 });
      for (let epoch = 0; epoch < 4; epoch++) scheduler.step();
      const saved = JSON.parse(JSON.stringify(scheduler.stateDict())) as ReturnType<LRScheduler['stateDict']>;
      const savedOptimizer = optimizer.stateDict();

      const resumedOptimizer = optimizerWith(1, 1);
      const resumed = warmupCosine(resumedOptimizer, { warmupEpochs: 2, epochs: 8 });
      resumedOptimizer.loadStateDict(savedOptimizer);
      resumed.loadStateDict(saved);
      assert.equal(resumed.lastEpoch, 4);
      assert.deepEqual(
        resumedOptimizer.paramGroups.map((g) => g.lr),
        optimizer.paramGroups.map((g) => g.lr),
      );
      for (let epoch = 0; epoch < 5; epoch++) {
        scheduler.step();
        resumed.step();
        assert.deepEqual(resumed.getLastLr(), scheduler.getLastLr());
        assert.deepEqual(
          resumedOptimizer.paramGroups.map((g) => g.lr),
          optimizer.paramGroups.map((g) => g.lr),
        );
      }
    });
  });

  test('loadStateDict rejects another schedule kind and a different number of groups', () => {
    tidy(() => {
      const optimizer = optimizerWith(0.1);
      const saved = new StepLR(optimizer, { stepSize: 1 }).stateDict();
      const cosine = new CosineAnnealingLR(optimizer, { tMax: 3 });
      assert.throws(() => cosine.loadStateDict(saved), /written by StepLR, not CosineAnnealingLR/);
      const step = new StepLR(optimizer, { stepSize: 1 });
      assert.throws(() => step.loadStateDict({ ...saved, baseLrs: [0.1, 0.1] }), /baseLrs must hold 1 finite numbers/);
    });
  });
});

describe('schedule validation', () => {
  const rejects = (make: (optimizer: SGD) => unknown, pattern: RegExp): void => {
    tidy(() => assert.throws(() => make(optimizerWith(0.1)), pattern));
  };
  test('CosineAnnealingLR rejects tMax 0 and a negative etaMin', () => {
    rejects((o) => new CosineAnnealingLR(o, { tMax: 0 }), /tMax must be an integer >= 1, got 0/);
    rejects((o) => new CosineAnnealingLR(o, { tMax: 5, etaMin: -1 }), /invalid etaMin -1/);
  });
  test('StepLR rejects a fractional stepSize and a negative gamma', () => {
    rejects((o) => new StepLR(o, { stepSize: 1.5 }), /stepSize must be an integer >= 1, got 1\.5/);
    rejects((o) => new StepLR(o, { stepSize: 2, gamma: -0.1 }), /invalid gamma -0\.1/);
  });
  test('LinearLR rejects factors outside PyTorch bounds and totalIters 0', () => {
    rejects((o) => new LinearLR(o, { startFactor: 0 }), /startFactor must be in \(0, 1\], got 0/);
    rejects((o) => new LinearLR(o, { startFactor: 1.5 }), /startFactor must be in \(0, 1\]/);
    rejects((o) => new LinearLR(o, { endFactor: 2 }), /endFactor must be in \[0, 1\], got 2/);
    rejects((o) => new LinearLR(o, { totalIters: 0 }), /totalIters must be an integer >= 1/);
  });
  test("SequentialLR rejects a milestone count mismatch, unordered milestones and another optimizer's scheduler", () => {
    rejects(
      (o) =>
        new SequentialLR(o, {
          schedulers: [new StepLR(o, { stepSize: 1 }), new StepLR(o, { stepSize: 2 })],
          milestones: [],
        }),
      /expected 1 milestones for 2 schedulers/,
    );
    rejects(
      (o) =>
        new SequentialLR(o, {
          schedulers: [new StepLR(o, { stepSize: 1 }), new StepLR(o, { stepSize: 2 }), new StepLR(o, { stepSize: 3 })],
          milestones: [4, 4],
        }),
      /milestones\[1\] must be an integer >= 5/,
    );
    rejects(
      (o) => new SequentialLR(o, { schedulers: [new StepLR(optimizerWith(0.1), { stepSize: 1 })], milestones: [] }),
      /schedulers\[0\] drives a different optimizer/,
    );
  });
  test('warmupCosine rejects a warm-up as long as the whole run', () => {
    rejects((o) => warmupCosine(o, { warmupEpochs: 5, epochs: 5 }), /epochs must be an integer >= 6, got 5/);
  });
  test('a misspelt schedule option is rejected with the valid ones listed', () => {
    rejects(
      (o) => new CosineAnnealingLR(o, { tMax: 5, etamin: 0.1 } as { tMax: number }),
      /unknown option 'etamin' \(valid: tMax, etaMin\)/,
    );
  });
});
