/**
 * TMU end to end through the CLI on a small CNN trained on a tiny real Fashion-MNIST subset: the summary
 * (easy/hard split sizes, seconds per step), the twin amortised across requests, built ahead with `tmu twin`
 * and rebuilt when asked,
 * feature selection, the whole-class bypass, the gold-model diagnostics, and the errors that must leave
 * nothing behind (unknown ids, a model without holdout and twin cache, a forget set as large as D).
 *
 * @module
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { splitDigest } from '../../src/data/split.js';
import { fashionSubset, hashFiles, TMU_BIN, tempDir } from './support.js';

const work = tempDir('tmu-tmu-');
const dataDir = fashionSubset(join(work, 'data'));
const base = join(work, 'base');

function tmu(...args: string[]): { status: number | null; json: any; stderr: string } {
  const result = spawnSync(process.execPath, [TMU_BIN, ...args, '--json'], { encoding: 'utf8' });
  let json: unknown = null;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    // Errors print nothing on stdout.
  }
  return { status: result.status, json, stderr: result.stderr };
}

function lastLine(text: string): string {
  return text.split('\n').filter(Boolean).pop() ?? '';
}

/** Writes a forget file and returns its path. */
function forgetFile(name: string, ids: readonly string[]): string {
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify({ ids }));
  return path;
}

describe('TMU (tmu unlearn --method tmu)', { timeout: 900_000 }, () => {
  let split: { member: string[]; holdout: string[]; test: string[] };
  let labels: Map<string, number>;
  /** `tmu unlearn --method tmu` on the test model with the given parameters; it must succeed. */
  const unlearned = (forget: string, name: string, ...params: string[]) => {
    const result = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      ...params.flatMap((param) => ['--param', param]),
      '--out',
      join(work, name),
    );
    assert.equal(result.status, 0, lastLine(result.stderr));
    return result.json;
  };
  before(() => {
    const trained = tmu('train', '--data-dir', dataDir, '--arch', 'cnn', '--epochs', '8', '--seed', '0', '--out', base);
    assert.equal(trained.status, 0, lastLine(trained.stderr));
    split = JSON.parse(readFileSync(join(base, 'split.json'), 'utf8'));
    const forget = tmu(
      'split',
      '--split',
      join(base, 'split.json'),
      '--scenario',
      'class',
      '--class',
      '1',
      '--forget-out',
      join(work, 'class1.json'),
    );
    assert.equal(forget.status, 0, lastLine(forget.stderr));
    labels = new Map(
      (JSON.parse(readFileSync(join(work, 'class1.json'), 'utf8')).ids as string[]).map((id) => [id, 1]),
    );
  });

  test('the first request builds the twin, reports the easy/hard split and the seconds of each step, and leaves Mo untouched', () => {
    const before = hashFiles(base);
    const forget = forgetFile('first', split.member.filter((id) => !labels.has(id)).slice(0, 40));
    const run = tmu('unlearn', '--model', base, '--forget', forget, '--method', 'tmu', '--out', join(work, 'mu1'));
    assert.equal(run.status, 0, lastLine(run.stderr));
    const summary = run.json.summary;
    assert.equal(summary.easy + summary.hard, 40);
    assert.equal(summary.twin.cached, false);
    assert.equal(summary.twin.builtBecause, 'no cached twin');
    for (const step of ['twin', 'features', 'transfer', 'update'])
      assert.ok(summary.seconds[step] >= 0, `seconds of ${step}`);
    assert.ok(summary.perRequestSeconds > 0);
    assert.match(summary.twin.cacheDir, /^twin\/[0-9a-f]{16}$/, 'one folder per twin option set, named by their key');
    assert.ok(existsSync(join(base, summary.twin.cacheDir, 'twin.json')), 'the twin is stored beside the model');
    const after = hashFiles(base);
    for (const [file, digest] of Object.entries(before)) assert.equal(after[file], digest, `${file} of Mo changed`);
    assert.ok(existsSync(join(work, 'mu1', 'model.safetensors')));
  });

  test('a later request reuses the twin and the predictor; rebuildTwin=true, or a stored twin original that fails its digest, rebuilds them', () => {
    const forget = forgetFile('second', split.member.filter((id) => !labels.has(id)).slice(100, 130));
    const reused = tmu('unlearn', '--model', base, '--forget', forget, '--method', 'tmu', '--out', join(work, 'mu2'));
    assert.equal(reused.status, 0, lastLine(reused.stderr));
    assert.equal(reused.json.summary.twin.cached, true);
    assert.equal(reused.json.summary.predictor.cached, true);
    assert.equal(reused.json.summary.twin.builtBecause, undefined, 'a cached twin was not built');
    const rebuilt = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'rebuildTwin=true',
      '--out',
      join(work, 'mu3'),
    );
    assert.equal(rebuilt.status, 0, lastLine(rebuilt.stderr));
    assert.equal(rebuilt.json.summary.twin.cached, false);
    assert.equal(rebuilt.json.summary.twin.builtBecause, 'rebuildTwin=true');
    // A stored twin original that no longer matches its digest is not used: the twin is built again.
    const twinModel = join(base, reused.json.summary.twin.cacheDir, 'twin-model.safetensors');
    const bytes = readFileSync(twinModel);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(twinModel, bytes);
    const repaired = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--out',
      join(work, 'mu3b'),
    );
    assert.equal(repaired.status, 0, lastLine(repaired.stderr));
    assert.equal(repaired.json.summary.twin.cached, false);
    assert.match(repaired.json.summary.twin.builtBecause, /twin-model\.safetensors fails its digest/);
    assert.match(
      repaired.stderr,
      /tmu twin build.*twin-model\.safetensors fails its digest/,
      'the rebuild is logged with its reason',
    );
  });

  test("a curriculum epoch Mo's run did not keep is replayed and cached with the twin; a cached replay that fails its digest rebuilds the twin; the default options' twin stays cached beside it", () => {
    const forget = forgetFile('replay', split.member.filter((id) => !labels.has(id)).slice(130, 160));
    const run = (out: string) =>
      tmu(
        'unlearn',
        '--model',
        base,
        '--forget',
        forget,
        '--method',
        'tmu',
        '--param',
        'curriculumEpoch=1',
        '--out',
        join(work, out),
      );
    const replayed = run('mu3c');
    assert.equal(replayed.status, 0, lastLine(replayed.stderr));
    assert.equal(replayed.json.summary.twin.curriculum, 'replayed');
    assert.equal(replayed.json.summary.twin.cached, false);
    assert.ok(replayed.json.summary.twin.buildSeconds.curriculum > 0, 'the replay is part of the twin build');
    const reused = run('mu3d');
    assert.equal(reused.json.summary.twin.cached, true);
    const cachedCurriculum = join(base, reused.json.summary.twin.cacheDir, 'curriculum.safetensors');
    const bytes = readFileSync(cachedCurriculum);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(cachedCurriculum, bytes);
    const repaired = run('mu3e');
    assert.equal(repaired.status, 0, lastLine(repaired.stderr));
    assert.equal(repaired.json.summary.twin.cached, false);
    assert.match(repaired.json.summary.twin.builtBecause, /curriculum\.safetensors fails its digest/);
    // The twin of the default options was kept beside this one: switching back costs no rebuild.
    const byDefault = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--out',
      join(work, 'mu3f'),
    );
    assert.equal(byDefault.status, 0, lastLine(byDefault.stderr));
    assert.equal(byDefault.json.summary.twin.cached, true, "the default options' twin is still cached");
    assert.notEqual(byDefault.json.summary.twin.cacheDir, repaired.json.summary.twin.cacheDir);
  });

  test('tmu twin builds ahead of the first request the twin and predictor that request reuses, lists the cached twins, and rejects bad input by name', () => {
    const built = tmu('twin', '--model', base, '--param', 'curriculumEpoch=3');
    assert.equal(built.status, 0, lastLine(built.stderr));
    assert.equal(built.json.twin.cached, false);
    assert.match(built.json.twin.builtBecause, /^no cached twin/);
    assert.equal(built.json.predictor.cached, false);
    assert.match(built.json.cacheDir, /^twin\/[0-9a-f]{16}$/);
    const again = tmu('twin', '--model', base, '--param', 'curriculumEpoch=3');
    assert.deepEqual([again.json.twin.cached, again.json.predictor.cached], [true, true], 'a second call finds both');
    const request = unlearned(
      forgetFile('prebuilt', split.member.filter((id) => !labels.has(id)).slice(230, 260)),
      'mu-prebuilt',
      'curriculumEpoch=3',
    );
    assert.deepEqual(
      [request.summary.twin.cached, request.summary.predictor.cached],
      [true, true],
      'the first request pays only its own features and update',
    );
    assert.equal(request.summary.twin.cacheDir, built.json.cacheDir);

    const listed = tmu('twin', '--model', base, '--list');
    assert.equal(listed.status, 0, lastLine(listed.stderr));
    const entry = listed.json.twins.find((twin: { key: string }) => `twin/${twin.key}` === built.json.cacheDir);
    assert.ok(entry, JSON.stringify(listed.json.twins));
    assert.equal(entry.usable, true);
    assert.equal(entry.options.curriculumEpoch, 3);
    assert.ok(entry.predictors >= 1 && entry.bytes > 0 && entry.buildSeconds > 0, JSON.stringify(entry));
    assert.ok(
      listed.json.twins.every((twin: { usable: boolean }) => twin.usable),
      JSON.stringify(listed.json.twins),
    );

    const human = spawnSync(process.execPath, [TMU_BIN, 'twin', '--model', base, '--param', 'curriculumEpoch=3'], {
      encoding: 'utf8',
    });
    assert.equal(human.status, 0, lastLine(human.stderr));
    assert.match(
      human.stdout,
      new RegExp(`^twin: already cached in .*${built.json.cacheDir}$`, 'm'),
      'without --json: where the twin is and that it was reused',
    );
    assert.match(human.stdout, /^predictor: distance, adversarial, curriculum \(quantile scaling\), already cached;/m);

    const missing = tmu('twin', '--model', join(work, 'no-such-model'));
    assert.notEqual(missing.status, 0);
    assert.match(lastLine(missing.stderr), /no-such-model does not exist/);
    const badParam = tmu('twin', '--model', base, '--param', 'twinPerClass=0');
    assert.notEqual(badParam.status, 0);
    assert.match(lastLine(badParam.stderr), /twinPerClass/);
    const listWithParams = tmu('twin', '--model', base, '--list', '--features', 'distance');
    assert.notEqual(listWithParams.status, 0);
    assert.match(listWithParams.stderr, /--list takes no --param or --features/);
  });

  test('without --json the summary reads as sentences: the split, the twin, the predictor, the update and the seconds, not raw fields', () => {
    const forget = forgetFile('human', split.member.filter((id) => !labels.has(id)).slice(160, 190));
    const run = spawnSync(
      process.execPath,
      [TMU_BIN, 'unlearn', '--model', base, '--forget', forget, '--method', 'tmu', '--out', join(work, 'mu-human')],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, lastLine(run.stderr));
    const lines = run.stdout.split('\n');
    const splitLine = lines.find((line) => line.startsWith('  Df: '));
    assert.match(
      splitLine ?? '',
      /^ {2}Df: (\d+) predicted easy \(kept\), (\d+) predicted hard \(forgotten\); expected hard share \d+\.\d%$/,
    );
    const [, easy, hard] = /(\d+) predicted easy.*?(\d+) predicted hard/.exec(splitLine!)!;
    assert.equal(Number(easy) + Number(hard), 30);
    assert.ok(
      lines.some((line) =>
        /^ {2}twin: (reused|built) \(\d+ samples, .*curriculum model: epoch 2, kept by Mo's training run\)$/.test(line),
      ),
      run.stdout,
    );
    assert.ok(
      lines.some((line) => /^ {2}predictor: distance, adversarial, curriculum \(quantile scaling\)/.test(line)),
      run.stdout,
    );
    assert.ok(
      lines.some((line) => /^ {2}update: \d+ steps over Df and \d+ retain samples/.test(line)),
      run.stdout,
    );
    assert.ok(
      lines.some((line) => /^ {2}seconds: twin .*; per request \d+\.\d$/.test(line)),
      run.stdout,
    );
    assert.equal(run.stdout.includes('{"'), false, 'no raw JSON in the human summary');
  });

  test('the features and their scaler are selectable and recorded', () => {
    const forget = forgetFile('features', split.member.filter((id) => !labels.has(id)).slice(200, 230));
    const run = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--features',
      'curriculum',
      '--out',
      join(work, 'mu4'),
    );
    assert.equal(run.status, 0, lastLine(run.stderr));
    assert.deepEqual(run.json.summary.predictor.features, ['curriculum']);
    assert.deepEqual(run.json.params.features, ['curriculum']);
    const two = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'features=neighbourhood,curriculum',
      '--out',
      join(work, 'mu6'),
    );
    assert.equal(two.status, 0, lastLine(two.stderr));
    assert.deepEqual(two.json.summary.predictor.features, ['neighbourhood', 'curriculum']);
    assert.equal(run.json.summary.predictor.scaler, 'quantile');
    const tukey = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'scaler=tukey',
      '--out',
      join(work, 'mu7'),
    );
    assert.equal(tukey.status, 0, lastLine(tukey.stderr));
    assert.equal(tukey.json.summary.predictor.scaler, 'tukey');
    assert.equal(tukey.json.summary.predictor.cached, false, 'a predictor fitted with another scaler is not reused');
    const badScaler = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'scaler=minmax',
      '--out',
      join(work, 'mu8'),
    );
    assert.notEqual(badScaler.status, 0);
    assert.match(lastLine(badScaler.stderr), /scaler/);
    assert.equal(existsSync(join(work, 'mu8')), false);
    const bad = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'features=colour',
      '--out',
      join(work, 'mu5'),
    );
    assert.notEqual(bad.status, 0);
    assert.match(lastLine(bad.stderr), /features/);
    assert.equal(existsSync(join(work, 'mu5')), false);
  });

  test('updateSelect=split returns the checked model that best matches the predicted split, last the final one; updateStop is selectable and recorded', () => {
    const forget = forgetFile('select', split.member.filter((id) => !labels.has(id)).slice(400, 440));
    const last = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'updateSelect=last',
      '--out',
      join(work, 'mu-last'),
    );
    assert.equal(last.status, 0, lastLine(last.stderr));
    assert.equal(last.json.summary.updateSelectedStep, last.json.summary.updateSteps);
    const chosen = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'updateSelect=split',
      '--param',
      'updateCheckEvery=1',
      '--out',
      join(work, 'mu-split'),
    );
    assert.equal(chosen.status, 0, lastLine(chosen.stderr));
    const summary = chosen.json.summary;
    assert.ok(
      summary.updateSelectedStep >= 1 && summary.updateSelectedStep <= summary.updateSteps,
      JSON.stringify(summary),
    );
    // Same seed, same trajectory: the final model is one of the candidates, so the chosen one matches at least as well.
    assert.ok(
      summary.updateSplitMatch >= last.json.summary.updateSplitMatch,
      `${summary.updateSplitMatch} < ${last.json.summary.updateSplitMatch}`,
    );
    const share = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'updateStop=share',
      '--param',
      'updateEpochs=6',
      '--out',
      join(work, 'mu-share'),
    );
    assert.equal(share.status, 0, lastLine(share.stderr));
    assert.equal(share.json.params.updateStop, 'share');
    assert.equal(last.json.params.updateStop, 'epochs', 'the default runs every epoch');
    assert.equal(last.json.summary.updateStoppedEarly, false);
    assert.equal(typeof share.json.summary.updateStoppedEarly, 'boolean');
    for (const bad of ['updateSelect=best', 'updateCheckEvery=0', 'updateStop=never']) {
      const rejected = tmu(
        'unlearn',
        '--model',
        base,
        '--forget',
        forget,
        '--method',
        'tmu',
        '--param',
        bad,
        '--out',
        join(work, 'mu-bad-select'),
      );
      assert.notEqual(rejected.status, 0, bad);
      assert.match(lastLine(rejected.stderr), new RegExp(bad.split('=')[0]!), bad);
      assert.equal(existsSync(join(work, 'mu-bad-select')), false);
    }
  });

  test('hardRepeat presents each predicted-hard sample that many times per update epoch (default once, like every other sample), and bad values are rejected by name', () => {
    const forget = forgetFile('repeat', split.member.filter((id) => !labels.has(id)).slice(560, 600));
    const stepsFor = (summary: { retainUsed: number; easy: number; hard: number }, repeat: number): number =>
      3 * Math.ceil((summary.retainUsed + summary.easy + repeat * summary.hard) / 64);
    const byDefault = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--out',
      join(work, 'mu-repeat-default'),
    );
    assert.equal(byDefault.status, 0, lastLine(byDefault.stderr));
    assert.equal(byDefault.json.params.hardRepeat, 1);
    assert.ok(byDefault.json.summary.hard > 0, JSON.stringify(byDefault.json.summary));
    assert.equal(byDefault.json.summary.updateSteps, stepsFor(byDefault.json.summary, 1));
    const four = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'hardRepeat=4',
      '--out',
      join(work, 'mu-repeat-4'),
    );
    assert.equal(four.status, 0, lastLine(four.stderr));
    assert.equal(four.json.summary.updateSteps, stepsFor(four.json.summary, 4));
    for (const bad of ['hardRepeat=0', 'hardRepeat=1.5']) {
      const rejected = tmu(
        'unlearn',
        '--model',
        base,
        '--forget',
        forget,
        '--method',
        'tmu',
        '--param',
        bad,
        '--out',
        join(work, 'mu-repeat-bad'),
      );
      assert.notEqual(rejected.status, 0, bad);
      assert.match(lastLine(rejected.stderr), /hardRepeat/, bad);
      assert.equal(existsSync(join(work, 'mu-repeat-bad')), false);
    }
  });

  test('hardRepeat=twin calibrates each hard class on the twin, records the choice, caches it beside the twin for the next request, and bad values are rejected by name', () => {
    const forget = forgetFile('repeat-twin', split.member.filter((id) => !labels.has(id)).slice(640, 700));
    const args = [
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'hardRepeat=twin',
      '--param',
      'hardRepeatCandidates=1,3',
      '--param',
      'hardRateCalibration=none',
    ];
    const first = tmu(...args, '--out', join(work, 'mu-twin-repeat'));
    assert.equal(first.status, 0, lastLine(first.stderr));
    const summary = first.json.summary;
    assert.ok(summary.hard > 0, JSON.stringify(summary));
    const classes = Object.keys(summary.hardRepeatByClass);
    assert.ok(classes.length > 0, JSON.stringify(summary));
    assert.deepEqual([...summary.calibration.calibrated].map(String).sort(), [...classes].sort());
    for (const label of classes) {
      const entry = summary.calibration.byClass[label];
      assert.equal(summary.hardRepeatByClass[label], entry.repeat);
      assert.ok([1, 3].includes(entry.repeat), JSON.stringify(entry));
      if (entry.hard > 0)
        assert.equal(entry.repeat, entry.agreement['3'] > entry.agreement['1'] ? 3 : 1, JSON.stringify(entry));
    }
    assert.ok(summary.seconds.calibration >= 0);
    assert.ok(
      readdirSync(join(base, summary.twin.cacheDir)).some((name) => /^calibration-[0-9a-f]+\.json$/.test(name)),
      'cached beside the twin',
    );
    const second = tmu(...args, '--out', join(work, 'mu-twin-repeat-2'));
    assert.equal(second.status, 0, lastLine(second.stderr));
    assert.deepEqual(second.json.summary.calibration.calibrated, [], 'the second request reuses the calibration');
    assert.deepEqual(second.json.summary.hardRepeatByClass, summary.hardRepeatByClass);
    for (const bad of ['hardRepeat=often', 'hardRepeatCandidates=0']) {
      const rejected = tmu(
        'unlearn',
        '--model',
        base,
        '--forget',
        forget,
        '--method',
        'tmu',
        '--param',
        bad,
        '--out',
        join(work, 'mu-twin-repeat-bad'),
      );
      assert.notEqual(rejected.status, 0, bad);
      assert.match(lastLine(rejected.stderr), /hardRepeat/, bad);
      assert.equal(existsSync(join(work, 'mu-twin-repeat-bad')), false);
    }
  });

  test("easyLoss=distill, the default, softens the easy samples' targets per class (easyTemperature, holdout-matched by default) and records the temperatures; easyLoss=label has none; bad values are rejected by name", () => {
    const forget = forgetFile('easy-distill', split.member.filter((id) => !labels.has(id)).slice(700, 760));
    const run = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--out',
      join(work, 'mu-easy-distill'),
    );
    assert.equal(run.status, 0, lastLine(run.stderr));
    assert.equal(run.json.params.easyLoss, 'distill');
    assert.equal(run.json.params.easyTemperature, 'holdout');
    const summary = run.json.summary;
    assert.ok(summary.easyDistilled > 0 && summary.easyDistilled <= summary.easy, JSON.stringify(summary));
    const temperatures = Object.values(summary.easyTemperatureByClass) as number[];
    assert.ok(
      temperatures.length > 0 && temperatures.every((t) => t >= 1),
      JSON.stringify(summary.easyTemperatureByClass),
    );
    const fixed = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'easyLoss=distill',
      '--param',
      'easyTemperature=3',
      '--out',
      join(work, 'mu-easy-distill-3'),
    );
    assert.equal(fixed.status, 0, lastLine(fixed.stderr));
    assert.ok(
      Object.values(fixed.json.summary.easyTemperatureByClass).every((t) => t === 3),
      JSON.stringify(fixed.json.summary.easyTemperatureByClass),
    );
    const labelled = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'easyLoss=label',
      '--out',
      join(work, 'mu-easy-label'),
    );
    assert.equal(labelled.status, 0, lastLine(labelled.stderr));
    assert.equal(labelled.json.params.easyLoss, 'label');
    assert.equal('easyTemperatureByClass' in labelled.json.summary, false, 'label fitting has no temperatures');
    for (const bad of ['easyTemperature=0.5', 'easyTemperature=warm', 'easyLoss=soft']) {
      const rejected = tmu(
        'unlearn',
        '--model',
        base,
        '--forget',
        forget,
        '--method',
        'tmu',
        '--param',
        bad,
        '--out',
        join(work, 'mu-easy-bad'),
      );
      assert.notEqual(rejected.status, 0, bad);
      assert.match(lastLine(rejected.stderr), /easy(Temperature|Loss)/, bad);
      assert.equal(existsSync(join(work, 'mu-easy-bad')), false);
    }
  });

  test("updateSeed reseeds the update alone: the same split, another model; the request's own seed reproduces the default, and bad seeds are rejected by name", () => {
    const forget = forgetFile('update-seed', split.member.filter((id) => !labels.has(id)).slice(700, 740));
    const run = (name: string, ...params: string[]) => unlearned(forget, name, ...params);
    const byDefault = run('mu-seed-default');
    assert.equal(byDefault.params.updateSeed, null);
    const explicit = run('mu-seed-0', 'updateSeed=0');
    assert.equal(explicit.digest, byDefault.digest, "updateSeed equal to the request's seed (0) is the default update");
    const other = run('mu-seed-7', 'updateSeed=7');
    assert.notEqual(other.digest, byDefault.digest, 'another update seed trains another model');
    assert.deepEqual(
      [other.summary.easy, other.summary.hard],
      [byDefault.summary.easy, byDefault.summary.hard],
      'the split comes before the update',
    );
    assert.equal(other.summary.predictor.cached, true, 'the predictor is not retrained for another update seed');
    for (const bad of ['updateSeed=-1', 'updateSeed=1.5', 'updateSeed=x']) {
      const rejected = tmu(
        'unlearn',
        '--model',
        base,
        '--forget',
        forget,
        '--method',
        'tmu',
        '--param',
        bad,
        '--out',
        join(work, 'mu-bad-seed'),
      );
      assert.notEqual(rejected.status, 0, bad);
      assert.match(lastLine(rejected.stderr), /updateSeed/, bad);
      assert.equal(existsSync(join(work, 'mu-bad-seed')), false);
    }
  });

  test("splitWeight=confidence, the default, weighs the update by the predictor's confidence (splitWeightPower sharpens it): the same split as uniform weights, another model, the weights' range recorded; bad values are rejected by name", () => {
    const forget = forgetFile('split-weight', split.member.filter((id) => !labels.has(id)).slice(660, 700));
    const run = (name: string, ...params: string[]) => unlearned(forget, name, ...params);
    const uniform = run('mu-weight-uniform', 'splitWeight=uniform');
    assert.equal(uniform.params.splitWeight, 'uniform');
    assert.equal(uniform.summary.splitWeightRange, undefined);
    const weighed = run('mu-weight-default');
    assert.equal(weighed.params.splitWeight, 'confidence');
    assert.deepEqual(
      [weighed.summary.easy, weighed.summary.hard],
      [uniform.summary.easy, uniform.summary.hard],
      'the weights come after the split',
    );
    assert.notEqual(weighed.digest, uniform.digest, 'the weights change the update');
    const [low, high] = weighed.summary.splitWeightRange as [number, number];
    assert.ok(low >= 0 && low < 1 && high > 1, `weights rescaled to mean 1 per side span 1: [${low}, ${high}]`);
    const sharper = run('mu-weight-squared', 'splitWeightPower=2');
    assert.equal(sharper.params.splitWeightPower, 2);
    assert.deepEqual([sharper.summary.easy, sharper.summary.hard], [weighed.summary.easy, weighed.summary.hard]);
    assert.notEqual(sharper.digest, weighed.digest, 'the power changes the weights');
    assert.ok((sharper.summary.splitWeightRange as [number, number])[0] <= low, 'squared confidences reach lower');
    const badPower = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'splitWeightPower=0',
      '--out',
      join(work, 'mu-bad-power'),
    );
    assert.notEqual(badPower.status, 0);
    assert.match(lastLine(badPower.stderr), /splitWeightPower/);
    assert.equal(existsSync(join(work, 'mu-bad-power')), false);
    const rejected = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'splitWeight=probability',
      '--out',
      join(work, 'mu-bad-weight'),
    );
    assert.notEqual(rejected.status, 0);
    assert.match(lastLine(rejected.stderr), /splitWeight/);
    assert.equal(existsSync(join(work, 'mu-bad-weight')), false);
  });

  test('hardRateSlope raises the hard share by the slope times the share of the class forgotten, marking more hard; bad values are rejected by name', () => {
    const classMembers = split.member.filter((id) => labels.has(id));
    const forget = forgetFile('rate-slope', classMembers.slice(0, 20));
    const measured = unlearned(forget, 'mu-slope-0');
    assert.equal(measured.params.hardRateSlope, 0);
    const shifted = unlearned(forget, 'mu-slope-half', 'hardRateSlope=0.5');
    assert.equal(shifted.params.hardRateSlope, 0.5);
    const expectedShift = (0.5 * 20) / classMembers.length;
    assert.ok(
      Math.abs(shifted.summary.expectedHardRate - measured.summary.expectedHardRate - expectedShift) < 2e-4,
      `shift ${shifted.summary.expectedHardRate - measured.summary.expectedHardRate}, expected ${expectedShift}`,
    );
    assert.equal(
      shifted.summary.hard,
      Math.round(shifted.summary.expectedHardRate * 20),
      'the split follows the shifted share',
    );
    assert.ok(shifted.summary.hard >= measured.summary.hard);
    const rejected = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'hardRateSlope=-1',
      '--out',
      join(work, 'mu-bad-slope'),
    );
    assert.notEqual(rejected.status, 0);
    assert.match(lastLine(rejected.stderr), /hardRateSlope/);
    assert.equal(existsSync(join(work, 'mu-bad-slope')), false);
  });

  test('hardRateShift=predictor-mass moves the hard share by the reported per-class shift, and the split follows it; bad values are rejected by name', () => {
    const classMembers = split.member.filter((id) => labels.has(id));
    const forget = forgetFile('rate-shift', classMembers.slice(0, 20));
    const measured = unlearned(forget, 'mu-slope-0-again');
    assert.equal(measured.params.hardRateShift, 'none');
    assert.equal(measured.summary.hardRateShiftByClass, undefined, 'no shift reported when it is off');
    const shifted = unlearned(forget, 'mu-shift-mass', 'hardRateShift=predictor-mass');
    const shifts = shifted.summary.hardRateShiftByClass as Record<string, number>;
    assert.deepEqual(
      Object.keys(shifts),
      [...new Set(classMembers.slice(0, 20).map((id) => String(labels.get(id))))],
      'one shift for the class Df holds',
    );
    const [shift] = Object.values(shifts);
    assert.notEqual(shift, 0, 'Df is not, to four places, exactly as hard as the twin samples of its class');
    assert.ok(
      Math.abs(shifted.summary.expectedHardRate - measured.summary.expectedHardRate - shift!) < 2e-4,
      `share moved by ${shifted.summary.expectedHardRate - measured.summary.expectedHardRate}, reported shift ${shift}`,
    );
    assert.equal(
      shifted.summary.hard,
      Math.round(shifted.summary.expectedHardRate * 20),
      'the split follows the shifted share',
    );
    const rejected = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'hardRateShift=mass',
      '--out',
      join(work, 'mu-bad-shift'),
    );
    assert.notEqual(rejected.status, 0);
    assert.match(lastLine(rejected.stderr), /hardRateShift/);
    assert.equal(existsSync(join(work, 'mu-bad-shift')), false);
  });

  test("hardRateCalibration=twin moves each class's hard share by the offset its twin request chose, caches it beside the twin for later requests and update seeds, and bad values are rejected by name", () => {
    const classMembers = split.member.filter((id) => labels.has(id));
    const forget = forgetFile('rate-calibration', classMembers.slice(20, 40));
    const measured = unlearned(forget, 'mu-share-none');
    assert.equal(measured.params.hardRateCalibration, 'none', 'the default since session 16');
    assert.equal(measured.summary.shareCalibration, undefined);
    const calibrated = unlearned(forget, 'mu-share-twin', 'hardRateCalibration=twin', 'hardRateOffsets=-0.1,0,0.1');
    assert.equal(calibrated.params.hardRateCalibration, 'twin');
    const summary = calibrated.summary;
    assert.deepEqual(Object.keys(summary.hardRateOffsetByClass), ['1']);
    const entry = summary.shareCalibration.byClass['1'];
    assert.deepEqual(summary.shareCalibration.calibrated, [1]);
    assert.equal(summary.hardRateOffsetByClass['1'], entry.offset);
    assert.ok([-0.1, 0, 0.1].includes(entry.offset) && String(entry.offset) in entry.accuracy, JSON.stringify(entry));
    const expected = Math.min(1, Math.max(0, measured.summary.expectedHardRate + entry.offset));
    assert.ok(
      Math.abs(summary.expectedHardRate - expected) < 2e-4,
      `share ${summary.expectedHardRate}, expected ${expected}`,
    );
    assert.equal(summary.hard, Math.round(summary.expectedHardRate * 20), 'the split follows the calibrated share');
    assert.ok(
      readdirSync(join(base, summary.twin.cacheDir)).some((name) => /^share-calibration-[0-9a-f]+\.json$/.test(name)),
      'cached beside the twin',
    );
    const reseeded = unlearned(
      forget,
      'mu-share-twin-7',
      'hardRateCalibration=twin',
      'hardRateOffsets=-0.1,0,0.1',
      'updateSeed=7',
    );
    assert.deepEqual(
      reseeded.summary.shareCalibration.calibrated,
      [],
      'another update seed reuses the calibration of this Mo',
    );
    assert.equal(reseeded.summary.expectedHardRate, summary.expectedHardRate);
    const exact = unlearned(forget, 'mu-share-exact', 'hardRateCalibration=twin-exact', 'hardRateOffsets=-0.1,0,0.1');
    const exactEntry = exact.summary.shareCalibration.byClass['1'];
    assert.equal(
      exactEntry.twinRate,
      Number((1 - exactEntry.goldAccuracy / 100).toFixed(4)),
      "twin-exact splits the twin request at its gold model's own error",
    );
    assert.deepEqual(exact.summary.shareCalibration.calibrated, [1], 'twin-exact is cached apart from twin');
    const gated = unlearned(
      forget,
      'mu-share-gated',
      'hardRateCalibration=twin-exact',
      'hardRateOffsets=-0.1,0,0.1',
      'hardRateCalibrationSeeds=2',
      'hardRateCalibrationGate=1000',
    );
    const gatedEntry = gated.summary.shareCalibration.byClass['1'];
    assert.equal(gated.params.hardRateCalibrationGate, 1000);
    assert.deepEqual(gated.summary.shareCalibration.calibrated, [1], 'a gated calibration is cached apart');
    assert.ok(
      gatedEntry.gate && Number.isFinite(gatedEntry.gate.gap) && gatedEntry.gate.standardError >= 0,
      JSON.stringify(gatedEntry),
    );
    assert.equal(
      gatedEntry.gate.moved,
      Math.abs(gatedEntry.gate.gap) > 1000 * gatedEntry.gate.standardError,
      JSON.stringify(gatedEntry.gate),
    );
    if (!gatedEntry.gate.moved)
      assert.deepEqual(
        [gatedEntry.offset, Object.keys(gatedEntry.accuracy)],
        [0, ['0']],
        'below the gate the offset stays at 0, untried elsewhere',
      );
    assert.equal(exactEntry.gate, undefined, 'no gate, no reading');
    const fixedThreshold = unlearned(forget, 'mu-share-threshold', 'hardRateCalibration=twin', 'threshold=0.5');
    assert.equal(
      fixedThreshold.summary.shareCalibration,
      undefined,
      'a probability threshold has no hard share to calibrate',
    );
    for (const bad of [
      ['hardRateCalibration=often'],
      ['hardRateOffsets=1'],
      ['hardRateCalibration=twin', 'hardRepeat=twin'],
      ['hardRateCalibrationSeeds=0'],
      ['hardRateCalibrationSeeds=1.5'],
      ['hardRateCalibrationGate=-1'],
      ['hardRateCalibrationGate=2'],
    ]) {
      const rejected = tmu(
        'unlearn',
        '--model',
        base,
        '--forget',
        forget,
        '--method',
        'tmu',
        ...bad.flatMap((param) => ['--param', param]),
        '--out',
        join(work, 'mu-bad-share'),
      );
      assert.notEqual(rejected.status, 0, bad.join(' '));
      assert.match(lastLine(rejected.stderr), /hardRate(Calibration|Offsets|CalibrationSeeds)/, bad.join(' '));
      assert.equal(existsSync(join(work, 'mu-bad-share')), false);
    }
  });

  test("the retain sample's loss and focus (retainLoss, retainFocus) are selectable and recorded, and bad values are rejected by name", () => {
    const forget = forgetFile('retain', split.member.filter((id) => !labels.has(id)).slice(600, 640));
    const byDefault = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--out',
      join(work, 'mu-retain-default'),
    );
    assert.equal(byDefault.status, 0, lastLine(byDefault.stderr));
    assert.equal(byDefault.json.params.retainLoss, 'distill');
    assert.equal(byDefault.json.params.retainFocus, 0);
    const chosen = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'retainLoss=label',
      '--param',
      'retainFocus=0.5',
      '--out',
      join(work, 'mu-retain'),
    );
    assert.equal(chosen.status, 0, lastLine(chosen.stderr));
    assert.equal(chosen.json.params.retainLoss, 'label');
    assert.equal(chosen.json.params.retainFocus, 0.5);
    assert.equal(
      chosen.json.summary.retainUsed,
      byDefault.json.summary.retainUsed,
      'the focus changes which retain samples, not how many',
    );
    for (const bad of ['retainLoss=kl', 'retainFocus=1.5', 'retainFocus=-0.1']) {
      const rejected = tmu(
        'unlearn',
        '--model',
        base,
        '--forget',
        forget,
        '--method',
        'tmu',
        '--param',
        bad,
        '--out',
        join(work, 'mu-bad-retain'),
      );
      assert.notEqual(rejected.status, 0, bad);
      assert.match(lastLine(rejected.stderr), new RegExp(bad.split('=')[0]!), bad);
      assert.equal(existsSync(join(work, 'mu-bad-retain')), false);
    }
  });

  test('hinge losses (hardLoss, easyLoss, hingeMargin) run, are recorded, implement the split, and bad values are rejected by name', () => {
    const forget = forgetFile('hinge', split.member.filter((id) => !labels.has(id)).slice(500, 540));
    const run = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--param',
      'hardLoss=hinge',
      '--param',
      'easyLoss=hinge',
      '--param',
      'hingeMargin=2',
      '--out',
      join(work, 'mu-hinge'),
    );
    assert.equal(run.status, 0, lastLine(run.stderr));
    assert.equal(run.json.params.hardLoss, 'hinge');
    assert.equal(run.json.params.easyLoss, 'hinge');
    assert.equal(run.json.params.hingeMargin, 2);
    // The hinge terms are the split itself: hard samples end wrong by the margin, easy ones right by it.
    assert.ok(run.json.summary.updateSplitMatch >= 75, JSON.stringify(run.json.summary));
    for (const bad of ['hardLoss=soft', 'easyLoss=none', 'hingeMargin=-1']) {
      const rejected = tmu(
        'unlearn',
        '--model',
        base,
        '--forget',
        forget,
        '--method',
        'tmu',
        '--param',
        bad,
        '--out',
        join(work, 'mu-bad-hinge'),
      );
      assert.notEqual(rejected.status, 0, bad);
      assert.match(lastLine(rejected.stderr), new RegExp(bad.split('=')[0]!), bad);
      assert.equal(existsSync(join(work, 'mu-bad-hinge')), false);
    }
  });

  test('forgetting a whole class bypasses the predictor (all hard) and says so', () => {
    const run = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      join(work, 'class1.json'),
      '--method',
      'tmu',
      '--out',
      join(work, 'mu-class'),
    );
    assert.equal(run.status, 0, lastLine(run.stderr));
    assert.equal(run.json.summary.hard, labels.size);
    assert.equal(run.json.summary.easy, 0);
    assert.match(run.json.summary.note, /accuracy on them is ~0.*bypassed/);
  });

  test("with the gold model, the predictor's accuracy and AUROC against its real correctness are reported", () => {
    const ids = split.member.filter((id) => !labels.has(id)).slice(300, 360);
    const forget = forgetFile('gold', ids);
    const gold = tmu(
      'train',
      '--data-dir',
      dataDir,
      '--arch',
      'cnn',
      '--epochs',
      '8',
      '--seed',
      '0',
      '--split',
      join(base, 'split.json'),
      '--exclude',
      forget,
      '--out',
      join(work, 'gold'),
    );
    assert.equal(gold.status, 0, lastLine(gold.stderr));
    const run = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      '--gold',
      join(work, 'gold'),
      '--out',
      join(work, 'mu-gold'),
    );
    assert.equal(run.status, 0, lastLine(run.stderr));
    assert.ok(run.json.gold.predictorAuroc >= 0 && run.json.gold.predictorAuroc <= 1, JSON.stringify(run.json.gold));
    assert.ok(run.json.gold.predictorAccuracy >= 0 && run.json.gold.predictorAccuracy <= 100);
    assert.ok(run.json.gold.agreement >= 0 && run.json.gold.agreement <= 100);
  });

  test('unknown ids, a forget set as large as D, and a model without holdout or twin cache are errors that write nothing', () => {
    const unknown = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forgetFile('unknown', ['fashion-mnist/train/999999', split.member[0]!]),
      '--method',
      'tmu',
      '--out',
      join(work, 'bad1'),
    );
    assert.notEqual(unknown.status, 0);
    assert.match(lastLine(unknown.stderr), /fashion-mnist\/train\/999999/);
    assert.equal(existsSync(join(work, 'bad1')), false);
    const everything = tmu(
      'unlearn',
      '--model',
      base,
      '--forget',
      forgetFile('all', split.member),
      '--method',
      'tmu',
      '--out',
      join(work, 'bad2'),
    );
    assert.notEqual(everything.status, 0);
    assert.match(lastLine(everything.stderr), /member/);
    assert.equal(existsSync(join(work, 'bad2')), false);

    // A model trained on a split without holdout has nothing to build a twin from.
    const noHoldout = {
      ...JSON.parse(readFileSync(join(base, 'split.json'), 'utf8')),
      member: [...split.member, ...split.holdout],
      holdout: [] as string[],
    };
    noHoldout.digest = splitDigest(noHoldout);
    writeFileSync(join(work, 'no-holdout-split.json'), JSON.stringify(noHoldout));
    const trained = tmu(
      'train',
      '--data-dir',
      dataDir,
      '--arch',
      'cnn',
      '--epochs',
      '1',
      '--split',
      join(work, 'no-holdout-split.json'),
      '--out',
      join(work, 'no-holdout'),
    );
    assert.equal(trained.status, 0, lastLine(trained.stderr));
    const run = tmu(
      'unlearn',
      '--model',
      join(work, 'no-holdout'),
      '--forget',
      forgetFile('nh', split.member.slice(0, 10)),
      '--method',
      'tmu',
      '--out',
      join(work, 'bad3'),
    );
    assert.notEqual(run.status, 0);
    assert.match(lastLine(run.stderr), /holdout/);
    assert.equal(existsSync(join(work, 'bad3')), false);
    const prebuild = tmu('twin', '--model', join(work, 'no-holdout'));
    assert.notEqual(prebuild.status, 0);
    assert.match(lastLine(prebuild.stderr), /holdout/, 'tmu twin names the missing holdout too');
    const none = tmu('twin', '--model', join(work, 'no-holdout'), '--list');
    assert.equal(none.status, 0, lastLine(none.stderr));
    assert.deepEqual(none.json.twins, [], 'a model without a twin lists none');
    assert.equal(existsSync(join(work, 'no-holdout', 'twin')), false, 'no partial twin cache');
    assert.deepEqual(
      readdirSync(join(work, 'no-holdout')).filter((name) => name.includes('.tmp-')),
      [],
      'no staging folder left behind',
    );
  });
});
