/**
 * TMU end to end through the CLI on a small CNN trained on a tiny real Fashion-MNIST subset: the summary
 * (the split, the preparation, seconds per step), the preparation cached beside the model and reused,
 * rebuilt when asked or when a cached file fails its digest, `tmu prepare` ahead of the first request,
 * the parameters a user sets, the whole-class bypass, the gold-model diagnostics, and the errors that
 * must leave nothing behind.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { splitDigest } from '../../src/data/split.js';
import type { CacheListing } from '../../src/unlearn/cache.js';
import type { TmuSummary } from '../../src/unlearn/tmu/tmu.js';
import { fashionSubset, hashFiles, TMU_BIN, tempDir } from './support.js';

const work = tempDir('tmu-tmu-');
const dataDir = fashionSubset(join(work, 'data'));
const base = join(work, 'base');

/** What `tmu unlearn --method tmu --json` prints. */
interface UnlearnJson {
  digest: string;
  params: Record<string, unknown>;
  summary: TmuSummary;
  forgetAcc: number;
  gold?: Record<string, number>;
}

/** What `tmu prepare --json` prints. */
interface PrepareJson {
  reused: boolean;
  seconds: number;
  buildSeconds: number;
  summary: Pick<TmuSummary, 'twin' | 'predictor' | 'curriculum'>;
  entries?: CacheListing[];
}

function tmu<T>(...args: string[]): { status: number | null; json: T; stderr: string } {
  const result = spawnSync(process.execPath, [TMU_BIN, ...args, '--json'], { encoding: 'utf8' });
  let json: unknown = null;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    // Errors print nothing on stdout.
  }
  return { status: result.status, json: json as T, stderr: result.stderr };
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
  let classOne: Set<string>;
  /** Member ids outside class 1, from `start` (distinct slices keep the requests apart). */
  const members = (start: number, count: number): string[] =>
    split.member.filter((id) => !classOne.has(id)).slice(start, start + count);
  /** Runs `tmu unlearn --method tmu` with these flags. */
  const request = (forget: string, name: string, ...flags: string[]) =>
    tmu<UnlearnJson>(
      'unlearn',
      '--model',
      base,
      '--forget',
      forget,
      '--method',
      'tmu',
      ...flags,
      '--out',
      join(work, name),
    );
  /** A request that must succeed, with `--param` pairs. */
  const unlearned = (forget: string, name: string, ...params: string[]): UnlearnJson => {
    const result = request(forget, name, ...params.flatMap((param) => ['--param', param]));
    assert.equal(result.status, 0, lastLine(result.stderr));
    return result.json;
  };
  /** A request that must fail naming `pattern`, and write nothing. */
  const refused = (forget: string, pattern: RegExp, ...flags: string[]): void => {
    const result = request(forget, 'refused', ...flags);
    assert.notEqual(result.status, 0, flags.join(' '));
    assert.match(lastLine(result.stderr), pattern, flags.join(' '));
    assert.equal(existsSync(join(work, 'refused')), false, 'nothing written');
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
    classOne = new Set(JSON.parse(readFileSync(join(work, 'class1.json'), 'utf8')).ids as string[]);
  });

  test('the first request prepares the twin and predictor, reports the split and the seconds of each step apart from the preparation, and leaves Mo untouched', () => {
    const before = hashFiles(base);
    const summary = unlearned(forgetFile('first', members(0, 40)), 'mu1').summary;
    assert.equal(summary.easy + summary.hard, 40);
    assert.ok(summary.keptWrong <= summary.hard);
    assert.deepEqual(
      [summary.twin.cached, summary.twin.builtBecause, summary.predictor.cached],
      [false, 'not cached', false],
    );
    for (const step of ['preparation', 'features', 'transfer', 'update'])
      assert.ok(summary.seconds[step]! >= 0, `seconds of ${step}`);
    assert.ok(summary.perRequestSeconds > 0 && summary.preparationSeconds > 0);
    const ownSteps = summary.seconds.features! + summary.seconds.transfer! + summary.seconds.update!;
    assert.ok(
      Math.abs(summary.perRequestSeconds - ownSteps) < 0.01,
      'the per-request seconds leave the preparation out',
    );
    assert.ok(
      existsSync(join(base, 'cache', 'tmu-twin', summary.twin.key, 'entry.json')),
      'the twin is cached beside Mo',
    );
    assert.ok(existsSync(join(base, 'cache', 'tmu-predictor', summary.predictor.key, 'entry.json')));
    const after = hashFiles(base);
    for (const [file, digest] of Object.entries(before)) assert.equal(after[file], digest, `${file} of Mo changed`);
    assert.ok(existsSync(join(work, 'mu1', 'model.safetensors')));
  });

  test('a later request reuses the preparation; rebuildTwin=true, or a cached file that fails its digest, rebuilds it and says why', () => {
    const forget = forgetFile('second', members(100, 30));
    const reused = unlearned(forget, 'mu2').summary;
    assert.deepEqual([reused.twin.cached, reused.predictor.cached, reused.twin.builtBecause], [true, true, undefined]);
    assert.ok(reused.preparationSeconds > 0, 'the preparation still reports what building it cost');
    const rebuilt = unlearned(forget, 'mu3', 'rebuildTwin=true').summary;
    assert.deepEqual([rebuilt.twin.cached, rebuilt.twin.builtBecause], [false, 'a rebuild was asked for']);
    const twinFile = join(base, 'cache', 'tmu-twin', reused.twin.key, 'twin.safetensors');
    const bytes = readFileSync(twinFile);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(twinFile, bytes);
    const repaired = request(forget, 'mu3b');
    assert.equal(repaired.status, 0, lastLine(repaired.stderr));
    assert.equal(repaired.json.summary.twin.cached, false);
    assert.match(repaired.json.summary.twin.builtBecause!, /twin\.safetensors fails its digest/);
    assert.match(
      repaired.stderr,
      /cache rebuild.*twin\.safetensors fails its digest/,
      'the rebuild is logged with its reason',
    );
  });

  test("a curriculum epoch Mo's run did not keep is replayed once and cached; the default options' preparation stays cached beside it", () => {
    const forget = forgetFile('replay', members(130, 30));
    const replayed = unlearned(forget, 'mu3c', 'curriculumEpoch=1').summary;
    assert.deepEqual([replayed.curriculum.source, replayed.curriculum.cached], ['replayed', false]);
    const again = unlearned(forget, 'mu3d', 'curriculumEpoch=1').summary;
    assert.deepEqual([again.curriculum.cached, again.twin.cached], [true, true]);
    const byDefault = unlearned(forget, 'mu3f').summary;
    assert.equal(byDefault.twin.cached, true, "the default options' twin is still cached");
    assert.equal(byDefault.curriculum.source, 'original-run');
    assert.notEqual(byDefault.twin.key, again.twin.key);
  });

  test('tmu prepare builds ahead of the first request what that request reuses, lists the cache, and rejects bad input by name', () => {
    const built = tmu<PrepareJson>('prepare', '--model', base, '--param', 'twinPerClass=20');
    assert.equal(built.status, 0, lastLine(built.stderr));
    assert.deepEqual([built.json.reused, built.json.summary.twin.cached], [false, false]);
    assert.ok(built.json.buildSeconds > 0);
    const again = tmu<PrepareJson>('prepare', '--model', base, '--param', 'twinPerClass=20');
    assert.equal(again.json.reused, true, 'a second call finds everything');
    assert.ok(Math.abs(again.json.buildSeconds - built.json.buildSeconds) < 0.01, 'and reports what building it cost');
    const first = unlearned(forgetFile('prebuilt', members(230, 30)), 'mu-prebuilt', 'twinPerClass=20').summary;
    assert.deepEqual(
      [first.twin.cached, first.predictor.cached],
      [true, true],
      'the first request pays only its own steps',
    );
    assert.equal(first.twin.key, built.json.summary.twin.key);

    const listed = tmu<PrepareJson>('prepare', '--model', base, '--list');
    assert.equal(listed.status, 0, lastLine(listed.stderr));
    const kinds = new Set(listed.json.entries!.map((entry) => entry.kind));
    assert.deepEqual([...kinds].sort(), ['tmu-curriculum', 'tmu-predictor', 'tmu-twin']);
    assert.ok(
      listed.json.entries!.every((entry) => entry.current && entry.bytes > 0),
      JSON.stringify(listed.json.entries),
    );

    const human = spawnSync(process.execPath, [TMU_BIN, 'prepare', '--model', base, '--param', 'twinPerClass=20'], {
      encoding: 'utf8',
    });
    assert.equal(human.status, 0, lastLine(human.stderr));
    assert.match(human.stdout, /^tmu: already prepared \(building it takes \d+\.\d s\)$/m);
    const nothing = tmu<{ prepared: null }>('prepare', '--model', base, '--method', 'finetune');
    assert.equal(nothing.status, 0, lastLine(nothing.stderr));
    assert.equal(nothing.json.prepared, null, 'a method without a prepare step has nothing to build');

    const missing = tmu('prepare', '--model', join(work, 'no-such-model'));
    assert.notEqual(missing.status, 0);
    assert.match(lastLine(missing.stderr), /no-such-model does not exist/);
    const badParam = tmu('prepare', '--model', base, '--param', 'twinPerClass=0');
    assert.notEqual(badParam.status, 0);
    assert.match(lastLine(badParam.stderr), /twinPerClass/);
    const listWithParams = tmu('prepare', '--model', base, '--list', '--features', 'distance');
    assert.notEqual(listWithParams.status, 0);
    assert.match(listWithParams.stderr, /--list takes no --param or --features/);
  });

  test('without --json the summary reads as sentences: the split, the preparation, the predictor, the update and the seconds', () => {
    const forget = forgetFile('human', members(160, 30));
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
      /^ {2}Df: (\d+) predicted easy \(kept\), (\d+) predicted hard \((\d+) of them already misclassified by Mo, left as they are; (\d+) forgotten\); expected hard share \d+\.\d%$/,
    );
    const [, easy, hard] = /(\d+) predicted easy.*?(\d+) predicted hard/.exec(splitLine!)!;
    assert.equal(Number(easy) + Number(hard), 30);
    const expected = [
      /^ {2}preparation \(once per model\): reused from the cache; curriculum model: epoch 2, kept by Mo's training run$/,
      /^ {2}predictor: distance, adversarial, curriculum, neighbourhood \(quantile scaling\)/,
      /^ {2}update: \d+ steps over Df and \d+ retain samples/,
      /^ {2}seconds per request: features \d+\.\d, transfer \d+\.\d, update \d+\.\d$/,
    ];
    for (const pattern of expected)
      assert.ok(
        lines.some((line) => pattern.test(line)),
        `${pattern}\n${run.stdout}`,
      );
    assert.equal(run.stdout.includes('{"'), false, 'no raw JSON in the human summary');
  });

  test('the features and their scaler are selectable and recorded; a predictor of other features or scaling is trained anew', () => {
    const forget = forgetFile('features', members(200, 30));
    const reference = unlearned(forget, 'mu4', 'features=distance,adversarial,curriculum');
    assert.deepEqual(reference.summary.predictor.features, ['distance', 'adversarial', 'curriculum']);
    const shortcut = request(forget, 'mu4b', '--features', 'curriculum');
    assert.equal(shortcut.status, 0, lastLine(shortcut.stderr));
    assert.deepEqual(shortcut.json.params.features, ['curriculum']);
    const tukey = unlearned(forget, 'mu7', 'scaler=tukey').summary;
    assert.equal(tukey.predictor.scaler, 'tukey');
    assert.equal(tukey.predictor.cached, false, 'a predictor fitted with another scaler is not reused');
    assert.equal(tukey.twin.cached, true, 'the twin does not depend on the features or the scaler');
    refused(forget, /scaler/, '--param', 'scaler=minmax');
    refused(forget, /features/, '--param', 'features=colour');
  });

  test("easyTemperature softens the easy samples' targets per class (matched to Mo's holdout confidence by default) and is recorded", () => {
    const forget = forgetFile('easy-distill', members(700, 60));
    const byDefault = unlearned(forget, 'mu-easy');
    assert.equal(byDefault.params.easyTemperature, 'holdout');
    const temperatures = Object.values(byDefault.summary.easyTemperatureByClass);
    assert.ok(temperatures.length > 0 && temperatures.every((t) => t >= 1), JSON.stringify(temperatures));
    const fixed = unlearned(forget, 'mu-easy-3', 'easyTemperature=3').summary;
    assert.ok(Object.values(fixed.easyTemperatureByClass).every((t) => t === 3));
    for (const bad of ['easyTemperature=0.5', 'easyTemperature=warm'])
      refused(forget, /easyTemperature/, '--param', bad);
  });

  test("updateSeed reseeds the update alone: the same split, another model; the request's own seed reproduces the default", () => {
    const forget = forgetFile('update-seed', members(700, 40));
    const byDefault = unlearned(forget, 'mu-seed-default');
    assert.equal(byDefault.params.updateSeed, null);
    assert.equal(unlearned(forget, 'mu-seed-0', 'updateSeed=0').digest, byDefault.digest);
    const other = unlearned(forget, 'mu-seed-7', 'updateSeed=7');
    assert.notEqual(other.digest, byDefault.digest, 'another update seed trains another model');
    assert.deepEqual([other.summary.easy, other.summary.hard], [byDefault.summary.easy, byDefault.summary.hard]);
    assert.equal(other.summary.predictor.cached, true, 'the predictor is not retrained for another update seed');
    for (const bad of ['updateSeed=-1', 'updateSeed=1.5', 'updateSeed=x'])
      refused(forget, /updateSeed/, '--param', bad);
  });

  test('hardRateSlope raises the hard share by the slope times the share of the class forgotten', () => {
    const classMembers = split.member.filter((id) => classOne.has(id));
    const forget = forgetFile('rate-slope', classMembers.slice(0, 20));
    const measured = unlearned(forget, 'mu-slope-0', 'hardRateSlope=0').summary;
    const shifted = unlearned(forget, 'mu-slope-half', 'hardRateSlope=0.5').summary;
    const expectedShift = (0.5 * 20) / classMembers.length;
    assert.ok(
      Math.abs(shifted.expectedHardRate - measured.expectedHardRate - expectedShift) < 2e-4,
      `shift ${shifted.expectedHardRate - measured.expectedHardRate}, expected ${expectedShift}`,
    );
    assert.equal(
      shifted.hard,
      Math.max(shifted.keptWrong, Math.round(shifted.expectedHardRate * 20)),
      'the split follows the shifted share',
    );
    refused(forget, /hardRateSlope/, '--param', 'hardRateSlope=-1');
  });

  test('tmu methods lists at most 25 TMU parameters, grouped by step, in under 40 lines', () => {
    const listed = tmu<{ methods: { name: string; params: { name: string; group?: string }[] }[] }>('methods');
    assert.equal(listed.status, 0, lastLine(listed.stderr));
    const params = listed.json.methods.find((method) => method.name === 'tmu')!.params;
    assert.ok(params.length <= 25, `${params.length} parameters`);
    assert.ok(
      params.every((param) => param.group),
      'every parameter names its step',
    );
    const human = spawnSync(process.execPath, [TMU_BIN, 'methods', 'tmu'], { encoding: 'utf8' });
    assert.equal(human.status, 0, lastLine(human.stderr));
    const lines = human.stdout.trimEnd().split('\n');
    assert.ok(lines.length < 40, `${lines.length} lines`);
    assert.ok(
      lines.every((line) => line.length <= 120),
      lines.find((line) => line.length > 120),
    );
  });

  test('forgetting a whole class bypasses the predictor (all hard) and says so', () => {
    const summary = unlearned(join(work, 'class1.json'), 'mu-class').summary;
    assert.deepEqual([summary.hard, summary.easy], [classOne.size, 0]);
    assert.match(summary.note!, /accuracy on them is ~0.*bypassed/);
  });

  test("with the gold model, the predictor's accuracy and AUROC against its real correctness are reported", () => {
    const forget = forgetFile('gold', members(300, 60));
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
    const run = request(forget, 'mu-gold', '--gold', join(work, 'gold'));
    assert.equal(run.status, 0, lastLine(run.stderr));
    const diagnostics = run.json.gold!;
    assert.ok(diagnostics.predictorAuroc! >= 0 && diagnostics.predictorAuroc! <= 1, JSON.stringify(diagnostics));
    assert.ok(diagnostics.predictorAccuracy! >= 0 && diagnostics.predictorAccuracy! <= 100);
    assert.ok(diagnostics.agreement! >= 0 && diagnostics.agreement! <= 100);
  });

  test('unknown ids, a forget set as large as D, and a model without holdout are errors that write nothing', () => {
    refused(forgetFile('unknown', ['fashion-mnist/train/999999', split.member[0]!]), /fashion-mnist\/train\/999999/);
    refused(forgetFile('all', split.member), /member/);
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
    const prebuild = tmu('prepare', '--model', join(work, 'no-holdout'));
    assert.notEqual(prebuild.status, 0);
    assert.match(lastLine(prebuild.stderr), /holdout/, 'tmu prepare names the missing holdout too');
    const none = tmu<PrepareJson>('prepare', '--model', join(work, 'no-holdout'), '--list');
    assert.equal(none.status, 0, lastLine(none.stderr));
    assert.deepEqual(none.json.entries, [], 'nothing cached');
    const stray = existsSync(join(work, 'no-holdout', 'cache'))
      ? readdirSync(join(work, 'no-holdout', 'cache'), { recursive: true })
          .map(String)
          .filter((name) => name.includes('staging'))
      : [];
    assert.deepEqual(stray, [], 'no staging folder left behind');
  });
});
