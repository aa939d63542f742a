/**
 * TMU's twin problem on a small CNN trained on a tiny real Fashion-MNIST subset: the twin original's
 * fine-tuning schedule, and which options key the twin cache.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { Classifier } from '../../src/models/classifier.js';
import { resolveParams } from '../../src/unlearn/params.js';
import { tmu, twinOptions } from '../../src/unlearn/tmu/tmu.js';
import { buildTwin, disposeTwin, type TwinOptions } from '../../src/unlearn/tmu/twin.js';
import { buildFixture, fashionSubset, type Fixture, tempDir } from './support.js';

const work = tempDir('tmu-twin-');
const dataDir = fashionSubset(join(work, 'data'));

const OPTIONS: TwinOptions = {
  perClass: 10, epochs: 1, retainMultiple: 1, optimizer: 'sgd', lr: 0.05, batchSize: 32, pgdEps: 4 / 255, pgdSteps: 1, neighbours: 3, classNeighbours: 5, seed: 0,
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
    assert.equal(sameTwinModel({ ...OPTIONS, epochs: 2 }, { ...OPTIONS, epochs: 2, schedule: 'cosine' }), false, 'two epochs: the second is annealed');
    assert.equal(sameTwinModel({ ...OPTIONS, epochs: 2 }, { ...OPTIONS, epochs: 2, schedule: 'constant' }), true, 'constant is the default');
  });

  test('twinSchedule defaults to constant, which leaves the twin options (the cache key) as before the option existed; cosine enters them', () => {
    const byDefault = resolveParams(tmu, {});
    assert.equal(byDefault.twinSchedule, 'constant');
    assert.equal('schedule' in twinOptions(byDefault, 0), false);
    assert.equal(twinOptions(resolveParams(tmu, { twinSchedule: 'cosine' }), 0).schedule, 'cosine');
    assert.throws(() => resolveParams(tmu, { twinSchedule: 'linear' }), /twinSchedule/);
  });
});
