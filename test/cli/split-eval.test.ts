/**
 * `tmu split` writes a split and a forget set for every scenario; `tmu train --exclude` trains the
 * gold model without the forget set; `tmu eval` reports accuracy on D, H, T and the forget set.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { fashionSubset, readSidecar, SUBSET, subsetTrainFlags, tempDir, tmu, tmuOk } from './support.js';

interface SplitFile {
  format: string;
  dataset: string;
  seed: number;
  digest: string;
  member: string[];
  holdout: string[];
  test: string[];
}
interface ForgetFile {
  format: string;
  scenario: string;
  params: Record<string, unknown>;
  count: number;
  ids: string[];
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Labels of the subset's train images (the real Fashion-MNIST labels file). */
function trainLabels(dataDir: string): Uint8Array {
  return readFileSync(join(dataDir, 'train-labels-idx1-ubyte')).subarray(8);
}
const indexOf = (id: string): number => Number(id.slice(id.lastIndexOf('/') + 1));

describe('tmu split, train --exclude, eval', () => {
  const work = tempDir();
  let dataDir: string;
  const splitFile = join(work, 'split.json');
  let split: SplitFile;

  before(async () => {
    dataDir = fashionSubset(join(work, 'data'));
    const result = await tmuOk([
      'split',
      '--data-dir',
      dataDir,
      '--out',
      splitFile,
      '--seed',
      '7',
      '--scenario',
      'subclass',
      '--class',
      '6',
      '--fraction',
      '0.2',
      '--forget-out',
      join(work, 'subclass.json'),
      '--json',
    ]);
    split = readJson<SplitFile>(splitFile);
    const summary = JSON.parse(result.stdout) as {
      split: { digest: string; member: number };
      forget: { count: number; scenario: string };
    };
    assert.equal(summary.split.digest, split.digest);
    assert.equal(summary.forget.scenario, 'subclass');
  });

  test('the split: 75% member, 25% holdout, all of test, disjoint, seeded', async () => {
    assert.equal(split.format, 'tmu-split');
    assert.equal(split.dataset, 'fashion-mnist');
    assert.equal(split.seed, 7);
    assert.equal(split.member.length, SUBSET.train * 0.75);
    assert.equal(split.holdout.length, SUBSET.train * 0.25);
    assert.equal(split.test.length, SUBSET.test);
    assert.equal(new Set([...split.member, ...split.holdout]).size, SUBSET.train);
    assert.ok(split.test.every((id) => id.startsWith('fashion-mnist/test/')));
    // The same seed draws the same split; another seed another one.
    const again = join(work, 'split-again.json');
    const other = join(work, 'split-other.json');
    await Promise.all([
      tmuOk(['split', '--data-dir', dataDir, '--out', again, '--seed', '7']),
      tmuOk(['split', '--data-dir', dataDir, '--out', other, '--seed', '8']),
    ]);
    assert.equal(readJson<SplitFile>(again).digest, split.digest);
    assert.notEqual(readJson<SplitFile>(other).digest, split.digest);
  });

  test('a forget set for each scenario', async () => {
    const labels = trainLabels(dataDir);
    const member = new Set(split.member);
    const subclass = readJson<ForgetFile>(join(work, 'subclass.json'));
    const shirts = split.member.filter((id) => labels[indexOf(id)] === 6);
    assert.equal(subclass.scenario, 'subclass');
    assert.deepEqual(subclass.params, { class: 6, className: 'Shirt', fraction: 0.2, seed: 0 });
    assert.equal(subclass.count, Math.round(0.2 * shirts.length));
    assert.ok(subclass.ids.every((id) => member.has(id) && labels[indexOf(id)] === 6));

    const idsFile = join(work, 'request.json');
    const requested = [split.member[10]!, split.member[3]!, split.member[500]!];
    writeFileSync(idsFile, JSON.stringify({ ids: requested }));
    const runs = {
      random: ['--scenario', 'random', '--fraction', '0.05', '--forget-seed', '3'],
      class: ['--scenario', 'class', '--class', 'Trouser'],
      ids: ['--scenario', 'ids', '--ids', idsFile],
    };
    const results = await Promise.all(
      Object.entries(runs).map(([name, flags]) =>
        tmuOk([
          'split',
          '--data-dir',
          dataDir,
          '--split',
          splitFile,
          ...flags,
          '--forget-out',
          join(work, `${name}.json`),
          '--json',
        ]),
      ),
    );
    for (const result of results)
      assert.equal((JSON.parse(result.stdout) as { split: { digest: string } }).split.digest, split.digest);

    const random = readJson<ForgetFile>(join(work, 'random.json'));
    assert.equal(random.scenario, 'random');
    assert.equal(random.count, Math.round(0.05 * split.member.length));
    assert.equal(random.params.seed, 3);
    assert.ok(random.ids.every((id) => member.has(id)));
    assert.equal(new Set(random.ids).size, random.count);

    const cls = readJson<ForgetFile>(join(work, 'class.json'));
    assert.equal(cls.scenario, 'class');
    assert.deepEqual(cls.params, { class: 1, className: 'Trouser' });
    assert.deepEqual(
      cls.ids,
      split.member.filter((id) => labels[indexOf(id)] === 1),
    );

    const ids = readJson<ForgetFile>(join(work, 'ids.json'));
    assert.equal(ids.scenario, 'ids');
    assert.deepEqual(ids.ids, requested);
  });

  test('tmu split rejects a bad request with the offending ids, writing nothing', async () => {
    const bad = join(work, 'bad-request.json');
    writeFileSync(bad, JSON.stringify([split.member[0], split.holdout[0], 'fashion-mnist/train/123456']));
    const out = join(work, 'bad-forget.json');
    const result = await tmu([
      'split',
      '--data-dir',
      dataDir,
      '--split',
      splitFile,
      '--scenario',
      'ids',
      '--ids',
      bad,
      '--forget-out',
      out,
    ]);
    assert.equal(result.status, 1);
    assert.equal(result.stderr.split('\n').length, 2);
    assert.match(result.stderr, /not samples of fashion-mnist: fashion-mnist\/train\/123456/);
    assert.ok(!existsSync(out));
    const usage = await tmu([
      'split',
      '--data-dir',
      dataDir,
      '--split',
      splitFile,
      '--scenario',
      'subclass',
      '--class',
      '6',
      '--forget-out',
      out,
    ]);
    assert.equal(usage.status, 2);
    assert.equal(usage.stderr, 'tmu split: --fraction is required for scenario subclass\n');
  });

  test('original and gold models, then tmu eval --forget --json', async () => {
    const forgetFile = join(work, 'subclass.json');
    const forget = readJson<ForgetFile>(forgetFile);
    const original = join(work, 'original');
    const gold = join(work, 'gold');
    // The MLP: this test is about the commands and files, not the architecture, and it trains in seconds.
    const recipe = ['--arch', 'mlp', '--epochs', '2', '--seed', '0', '--split', splitFile, '--json'];
    await tmuOk(subsetTrainFlags(dataDir, original, recipe));
    const goldRun = await tmuOk(subsetTrainFlags(dataDir, gold, [...recipe, '--exclude', forgetFile]));
    assert.equal(JSON.parse(goldRun.stdout).trainSamples, split.member.length - forget.count);
    assert.equal(JSON.parse(goldRun.stdout).excluded, forget.count);

    // The gold model records what it left out and the split it came from.
    const goldSidecar = readSidecar(gold);
    assert.equal((goldSidecar.split as { digest: string }).digest, split.digest);
    assert.equal((goldSidecar.excluded as { count: number }).count, forget.count);
    assert.deepEqual(readJson<{ ids: string[] }>(join(gold, 'excluded.json')).ids, forget.ids);
    assert.equal(readSidecar(original).excluded, null);
    assert.notEqual(goldSidecar.digest, readSidecar(original).digest);

    const [evalOriginal, evalGold, human] = await Promise.all([
      tmuOk(['eval', '--model', original, '--forget', forgetFile, '--json']),
      tmuOk(['eval', '--model', gold, '--forget', forgetFile, '--json']),
      tmuOk(['eval', '--model', original]),
    ]);
    for (const [result, dir] of [
      [evalOriginal, original],
      [evalGold, gold],
    ] as const) {
      const report = JSON.parse(result.stdout) as {
        model: string;
        digest: string;
        acc: Record<string, number>;
        counts: Record<string, number>;
      };
      assert.equal(report.model, dir);
      assert.equal(report.digest, readSidecar(dir).digest);
      for (const set of ['member', 'holdout', 'test', 'forget']) {
        assert.equal(typeof report.acc[set], 'number', set);
        assert.ok(report.acc[set]! >= 0 && report.acc[set]! <= 100, `${set} ${report.acc[set]}`);
      }
      assert.equal(report.counts.member, split.member.length);
      assert.equal(report.counts.holdout, split.holdout.length);
      assert.equal(report.counts.test, split.test.length);
      assert.equal(report.counts.forget, forget.count);
      // The accuracies the trainer measured at the end of training are the ones eval measures.
      const metrics = readSidecar(dir).metrics as { testAcc: number; holdoutAcc: number };
      assert.equal(report.acc.test, metrics.testAcc);
      assert.equal(report.acc.holdout, metrics.holdoutAcc);
    }
    const goldReport = JSON.parse(evalGold.stdout) as { acc: Record<string, number>; counts: Record<string, number> };
    assert.equal(goldReport.counts.excluded, forget.count);
    assert.equal(goldReport.acc.excluded, goldReport.acc.forget);
    assert.match(
      human.stdout,
      /^member\s+\d+\.\d\d% {2}\(1125 samples\)\nholdout\s+\d+\.\d\d% {2}\(375 samples\)\ntest\s+\d+\.\d\d% {2}\(300 samples\)\n$/,
    );
  });

  test('tmu eval errors: missing model, forget ids outside D', async () => {
    const missing = await tmu(['eval', '--model', join(work, 'nope')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^tmu eval: model directory .*nope does not exist\n$/);
    const holdoutFile = join(work, 'holdout-forget.json');
    writeFileSync(holdoutFile, JSON.stringify([split.holdout[5]]));
    const outside = await tmu(['eval', '--model', join(work, 'original'), '--forget', holdoutFile]);
    assert.equal(outside.status, 1);
    assert.equal(outside.stderr.split('\n').length, 2);
    assert.ok(outside.stderr.includes(split.holdout[5]!));
  });
});
