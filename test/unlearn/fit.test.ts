/**
 * The one optimisation loop of the unlearning methods: every batch of every epoch is one
 * zero-grad/loss/backward/hook/step, the loop can stop early, the model ends in eval mode, the optimizer
 * is released, and no tensor outlives a step.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Linear } from '../../src/nn/linear.js';
import { SGD } from '../../src/optim/index.js';
import { liveTensors, manualSeed, mseLoss, tensor } from '../../src/tensor/index.js';
import { silentProgress } from '../../src/train/progress.js';
import type { BatchStream } from '../../src/unlearn/batches.js';
import { fit } from '../../src/unlearn/fit.js';

/** Epoch e yields `perEpoch` batches of one scalar each, numbered from e * 10. */
function numbered(perEpoch: number): BatchStream<number> {
  return {
    count: () => perEpoch,
    *epoch(epoch) {
      for (let i = 0; i < perEpoch; i++) yield epoch * 10 + i;
    },
  };
}

describe('fit', () => {
  test('runs every batch of every epoch in order, with the hook between backward and step, and ends in eval mode', () => {
    manualSeed(0);
    const model = new Linear(1, 1);
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const seen: number[] = [];
    const calls: string[] = [];
    const epochs: number[] = [];
    const report = fit(model, optimizer, {
      name: 'test',
      epochs: 3,
      batches: numbered(2),
      loss: (batch, step) => {
        seen.push(batch);
        calls.push(`loss ${step}`);
        assert.equal(model.training, true, 'train mode inside the loop');
        return mseLoss(
          model.forward(tensor(Float32Array.of(batch), { shape: [1, 1] })),
          tensor(Float32Array.of(1), { shape: [1, 1] }),
        );
      },
      beforeStep: () => {
        calls.push('hook');
        assert.ok(
          model.parameters().every((p) => p.grad !== null),
          'gradients exist when the hook runs',
        );
      },
      afterEpoch: (epoch) => {
        epochs.push(epoch);
      },
      progress: silentProgress,
    });
    assert.deepEqual(seen, [0, 1, 10, 11, 20, 21]);
    assert.deepEqual(calls.slice(0, 4), ['loss 0', 'hook', 'loss 1', 'hook']);
    assert.deepEqual(epochs, [0, 1, 2]);
    assert.deepEqual([report.steps, report.stopped], [6, false]);
    assert.ok(Number.isFinite(report.lastEpochLoss));
    assert.equal(model.training, false);
    assert.equal(optimizer.isDisposed, true, 'fit releases the optimizer');
    model.dispose();
  });

  test('afterStep returning false ends the loop at once; the optimizer is released even when the loss throws', () => {
    manualSeed(0);
    const model = new Linear(1, 1);
    const stopped = fit(model, new SGD(model.parameters(), { lr: 0.1 }), {
      name: 'test',
      epochs: 5,
      batches: numbered(4),
      loss: () => model.forward(tensor(Float32Array.of(1), { shape: [1, 1] })).sum(),
      afterStep: (step) => step < 3,
      progress: silentProgress,
    });
    assert.deepEqual([stopped.steps, stopped.stopped], [3, true]);
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    assert.throws(
      () =>
        fit(model, optimizer, {
          name: 'test',
          epochs: 1,
          batches: numbered(2),
          loss: () => {
            throw new Error('bad batch');
          },
          progress: silentProgress,
        }),
      /bad batch/,
    );
    assert.equal(optimizer.isDisposed, true);
    model.dispose();
  });

  test('no tensor created by a step outlives it', () => {
    manualSeed(0);
    const model = new Linear(4, 2);
    const before = liveTensors();
    fit(model, new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }), {
      name: 'test',
      epochs: 2,
      batches: numbered(5),
      loss: () =>
        model
          .forward(tensor(new Float32Array(8).fill(0.5), { shape: [2, 4] }))
          .square()
          .mean(),
      progress: silentProgress,
    });
    assert.equal(liveTensors(), before, 'live tensors after fit equal those before (the optimizer state released)');
    model.dispose();
  });
});
