/**
 * `bench/tmuValidation.ts`'s command line: defaults, the per-arm parameters, and a clear error naming
 * the flag for each kind of mistake, before any run starts.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { VALUES_BEFORE_OPTION } from '../../bench/lib/methodSettings.js';
import {
  parseValidationArgs,
  sameTmuParams,
  VALIDATION_SCENARIOS,
  validationUnit,
} from '../../bench/lib/validationArgs.js';
import { resolveParams } from '../../src/unlearn/params.js';
import { tmu } from '../../src/unlearn/tmu/tmu.js';

const minimal = ['--out', 'runs/x', '--variant', 'splitWeight=confidence'];

describe('TMU validation command line', () => {
  test('defaults to the protocol: the target scenarios on held-out seeds, the guards, three update seeds, the variant on top of the base', () => {
    const args = parseValidationArgs([...minimal, '--base', 'hardRepeat=1']);
    assert.deepEqual(args.scenarios, ['c2x1', 'c4x1', 'c6x1', 'c2x2', 'c4x2', 'c6x2', 'c3', 'r1']);
    assert.deepEqual(args.target, ['c2x1', 'c4x1', 'c6x1', 'c2x2', 'c4x2', 'c6x2']);
    assert.deepEqual(args.updateSeeds, [null, 100, 101]);
    assert.equal(args.seedsOverride, undefined);
    assert.equal(args.cache, 'runs/cache');
    assert.deepEqual(args.armParams, {
      base: { hardRepeat: 1 },
      variant: { hardRepeat: 1, splitWeight: 'confidence' },
    });
    for (const name of args.target) {
      const scenario = VALIDATION_SCENARIOS[name]!;
      assert.equal(scenario.scenario, 'subclass', name);
      assert.ok((scenario.firstSeed ?? 0) >= 3, `${name}: the target seeds are held out from the reported 0-2`);
      assert.deepEqual(
        [scenario.firstSeed, scenario.seeds],
        scenario.fraction === 0.1 ? [3, 10] : [3, 3],
        `${name}: the 10% instances at seeds 3-12 (session 19), the 20% at 3-5`,
      );
    }
    assert.deepEqual(
      args.target.map((name) => VALIDATION_SCENARIOS[name]!.fraction),
      [0.1, 0.1, 0.1, 0.2, 0.2, 0.2],
      'the reported fraction (10%) and twice it',
    );
    assert.deepEqual(
      args.target.map((name) => VALIDATION_SCENARIOS[name]!.classes[0]),
      [2, 4, 6, 2, 4, 6],
      'pullovers, coats and shirts: three of the four reported confusable classes, on held-out instances',
    );
    for (const name of args.scenarios.filter((name) => !args.target.includes(name))) {
      assert.equal(
        VALIDATION_SCENARIOS[name]!.firstSeed,
        0,
        `${name}: a guard, on seeds whose class is not a reported one`,
      );
    }
  });

  test("the 10% and 20% instances of a class share the standing rule's unit; other classes and the guards have their own", () => {
    assert.equal(validationUnit('c2x1'), validationUnit('c2x2'));
    assert.equal(validationUnit('c6x1'), validationUnit('c6x2'));
    const units = new Set(['c2x1', 'c4x1', 'c6x1', 'c3', 'r1'].map(validationUnit));
    assert.equal(units.size, 5);
    assert.throws(() => validationUnit('c9'), /unknown scenario 'c9'/);
  });

  test('every mistake is refused by the flag it concerns', () => {
    const refused: [string[], RegExp][] = [
      [['--variant', 'hardRepeat=1'], /usage: tmuValidation/],
      [['--out', 'runs/x'], /usage: tmuValidation/],
      [[...minimal, '--scenarios', 'c4x2,c9'], /--scenarios: unknown 'c9'/],
      [[...minimal, '--scenarios', ' , '], /--scenarios must name/],
      [[...minimal, '--scenarios', 'c3,r1'], /--target: 'c2x1' is not among --scenarios/],
      [[...minimal, '--seeds', '0'], /--seeds must be a positive integer, got 0/],
      [[...minimal, '--seeds', '1.5'], /--seeds must be a positive integer/],
      [[...minimal, '--update-seeds', 'request,-1'], /--update-seeds: '-1'/],
      [[...minimal, '--update-seeds', '100,100'], /--update-seeds must list distinct seeds/],
      [['--out', 'runs/x', '--variant', 'splitWeight=sometimes'], /--variant: .*splitWeight/],
      [[...minimal, '--base', 'noSuchKnob=1'], /--base: .*noSuchKnob/],
      [[...minimal, '--variant', 'novalue'], /key=value/],
    ];
    for (const [argv, message] of refused) assert.throws(() => parseValidationArgs(argv), message, argv.join(' '));
  });

  test('a stored run matches a request with the same parameters, also when it predates an option the request leaves at its default', () => {
    const stored = resolveParams(tmu, { hardRepeat: 1, updateSeed: 100 }) as Record<string, unknown>;
    assert.ok(sameTmuParams(stored, { hardRepeat: 1, updateSeed: 100 }));
    const { hardRateSlope: _added, ...predating } = stored;
    assert.ok(
      sameTmuParams(predating, { updateSeed: 100 }),
      'an option added since, at its default, reproduces the stored run',
    );
    assert.equal(
      sameTmuParams(predating, { updateSeed: 100, hardRateSlope: 0.1 }),
      false,
      'the option set away from its default is another run',
    );
    assert.equal(sameTmuParams(stored, { updateSeed: 101 }), false);
    assert.equal(
      sameTmuParams({ ...stored, hardRepeat: 2 }, { updateSeed: 100 }),
      false,
      'a stored non-default value never matches the default',
    );
    assert.equal(
      sameTmuParams({ ...stored, removedOption: true }, { updateSeed: 100 }),
      false,
      "an option today's schema refuses never matches",
    );
  });

  test("a stored run that predates an option whose default changed matches the value it ran with, not today's default", () => {
    const stored = resolveParams(tmu, { updateSeed: 100, scaler: 'tukey' }) as Record<string, unknown>;
    const { scaler: _added, ...predating } = stored;
    assert.ok(sameTmuParams(predating, { updateSeed: 100, scaler: 'tukey' }), 'it ran with the Tukey scaler');
    assert.equal(
      sameTmuParams(predating, { updateSeed: 100 }),
      false,
      "today's default scales by quantile, which that run did not",
    );
    assert.ok(sameTmuParams(stored, { updateSeed: 100, scaler: 'tukey' }), 'a stored value is taken as stored');
    const { hardRateCalibration: _calibration, ...beforeCalibration } = resolveParams(tmu, {
      updateSeed: 100,
    }) as Record<string, unknown>;
    assert.ok(
      sameTmuParams(beforeCalibration, { updateSeed: 100 }),
      "hardRateCalibration's default is back to what runs did before it (session 16)",
    );
  });

  test("the table of values before an option existed names only options today's defaults do not reproduce", () => {
    const defaults = resolveParams(tmu, {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(VALUES_BEFORE_OPTION)) {
      assert.ok(key in defaults, `${key} is an option`);
      assert.notDeepEqual(value, defaults[key], `${key}: today's default already reproduces it`);
      assert.doesNotThrow(() => resolveParams(tmu, { [key]: value }), key);
    }
  });
});
