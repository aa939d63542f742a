import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { DataFormatError, SelectionError, type SelectionProblem } from '../../src/data/errors.js';
import {
  checkForgetIds,
  type ForgetSpec,
  loadForget,
  retainIds,
  saveForget,
  selectForget,
} from '../../src/data/forget.js';
import { makeSplit, type Split } from '../../src/data/split.js';
import { syntheticDataset, tempDir } from './support.js';

const train = syntheticDataset({ name: 'toy', classes: 4, perClass: 100 });
const testPart = syntheticDataset({ name: 'toy', partition: 'test', classes: 4, perClass: 10 });
const split = makeSplit(train, testPart, { seed: 1 });
const dir = tempDir('tmu-forget-');

/** Asserts that fn throws a SelectionError of the given problem whose message matches pattern. */
function assertSelection(fn: () => unknown, problem: SelectionProblem, pattern: RegExp, ids?: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SelectionError, `expected a SelectionError, got ${String(err)}`);
    assert.equal(err.problem, problem, err.message);
    assert.match(err.message, pattern);
    if (ids) assert.deepEqual(err.ids, ids);
    return true;
  });
}

/** Member ids of one class. */
function membersOf(cls: number, s: Split = split): string[] {
  return s.member.filter((id) => train.labels[train.indexOf(id)] === cls);
}

test('subclass takes round(f * members of the class), all from that class, reproducibly from the seed', () => {
  const members = membersOf(2);
  const forget = selectForget(split, train, { scenario: 'subclass', class: 2, fraction: 0.1 }, 7);
  assert.equal(forget.scenario, 'subclass');
  assert.deepEqual(forget.params, { class: 2, className: 'class2', fraction: 0.1, seed: 7 });
  assert.equal(forget.ids.length, Math.round(0.1 * members.length));
  assert.ok(forget.ids.every((id) => members.includes(id)));
  assert.deepEqual(selectForget(split, train, { scenario: 'subclass', class: 'class2', fraction: 0.1 }, 7), forget);
  assert.notDeepEqual(selectForget(split, train, { scenario: 'subclass', class: 2, fraction: 0.1 }, 8).ids, forget.ids);
});

test('subclass takes at least one sample even for a tiny fraction', () => {
  const forget = selectForget(split, train, { scenario: 'subclass', class: 0, fraction: 0.0001 }, 1);
  assert.equal(forget.ids.length, 1);
});

test('random takes round(f * |D|) distinct member ids, listed in member order', () => {
  const forget = selectForget(split, train, { scenario: 'random', fraction: 0.1 }, 3);
  assert.equal(forget.ids.length, 30);
  assert.equal(new Set(forget.ids).size, 30);
  const positions = forget.ids.map((id) => split.member.indexOf(id));
  assert.ok(positions.every((p) => p >= 0));
  assert.deepEqual(
    positions,
    [...positions].sort((x, y) => x - y),
  );
  assert.deepEqual(selectForget(split, train, { scenario: 'random', fraction: 0.1 }, 3), forget);
});

test('class takes every member of the class and no holdout sample', () => {
  const forget = selectForget(split, train, { scenario: 'class', class: 'class1' });
  assert.deepEqual(forget.ids, membersOf(1));
  assert.deepEqual(forget.params, { class: 1, className: 'class1' });
});

test('ids keeps the given member ids in the given order', () => {
  const ids = [split.member[5], split.member[0]];
  const forget = selectForget(split, train, { scenario: 'ids', ids });
  assert.deepEqual(forget, { scenario: 'ids', params: {}, ids });
});

test('ids not in the dataset are rejected, listing them', () => {
  assertSelection(
    () => selectForget(split, train, { scenario: 'ids', ids: [split.member[0], 'toy/train/999', 'bogus'] }),
    'unknown-ids',
    /2 id\(s\) are not samples of toy: toy\/train\/999, bogus/,
    ['toy/train/999', 'bogus'],
  );
});

test('holdout and test ids are rejected as not members, saying where they are', () => {
  const ids = [split.member[0], split.holdout[0], split.holdout[1], split.test[0]];
  assertSelection(
    () => selectForget(split, train, { scenario: 'ids', ids }),
    'not-members',
    /3 id\(s\) are not in the member set the model was trained on \(2 holdout, 1 test\)/,
    [split.holdout[0], split.holdout[1], split.test[0]],
  );
});

test('repeated ids are rejected, each listed once', () => {
  const [a, b] = split.member;
  assertSelection(
    () => selectForget(split, train, { scenario: 'ids', ids: [a, b, a, a] }),
    'duplicates',
    /1 id\(s\) appear more than once/,
    [a],
  );
});

test('an empty forget set is rejected', () => {
  assertSelection(() => selectForget(split, train, { scenario: 'ids', ids: [] }), 'empty', /forget set is empty/);
});

test('a forget set as large as the member set is rejected', () => {
  assertSelection(
    () => selectForget(split, train, { scenario: 'ids', ids: split.member }),
    'too-large',
    /has 300 ids but the member set only 300/,
  );
});

test('forgetting a whole class of a one-class member set is rejected as too large', () => {
  const oneClass = syntheticDataset({ name: 'mono', classes: 1, perClass: 8 });
  const monoSplit = makeSplit(
    oneClass,
    syntheticDataset({ name: 'mono', partition: 'test', classes: 1, perClass: 1 }),
    { seed: 1 },
  );
  assertSelection(
    () => selectForget(monoSplit, oneClass, { scenario: 'class', class: 0 }),
    'too-large',
    /nothing would remain/,
  );
});

test('a long list of offending ids is cut after 20 with "and N more"', () => {
  const ids = Array.from({ length: 23 }, (_, i) => `nope/${i}`);
  assertSelection(() => checkForgetIds(split, train, ids), 'unknown-ids', /nope\/19 and 3 more$/);
});

test('bad fractions, classes and seeds are rejected as bad parameters', () => {
  const bad: [ForgetSpec, number | undefined, RegExp][] = [
    [{ scenario: 'subclass', class: 0, fraction: 0 }, 1, /fraction must be in \(0, 1\]/],
    [{ scenario: 'subclass', class: 0, fraction: 1.5 }, 1, /fraction/],
    [{ scenario: 'subclass', class: 0, fraction: Number.NaN }, 1, /fraction/],
    [{ scenario: 'random', fraction: 1 }, 1, /fraction must be in \(0, 1\)/],
    [{ scenario: 'random', fraction: -0.1 }, 1, /fraction/],
    [{ scenario: 'subclass', class: 4, fraction: 0.1 }, 1, /class must be an integer in 0\.\.3/],
    [{ scenario: 'class', class: 1.5 }, undefined, /class must be an integer/],
    [{ scenario: 'class', class: 'zebra' }, undefined, /unknown class "zebra"/],
    [{ scenario: 'random', fraction: 0.1 }, undefined, /needs a non-negative integer seed/],
    [{ scenario: 'random', fraction: 0.1 }, -3, /seed/],
  ];
  for (const [spec, seed, pattern] of bad)
    assertSelection(() => selectForget(split, train, spec, seed), 'bad-parameter', pattern);
  const unknownScenario = { scenario: 'everything' } as unknown as ForgetSpec;
  assertSelection(
    () => selectForget(split, train, unknownScenario),
    'bad-parameter',
    /unknown forget scenario "everything"/,
  );
});

test('a split of another dataset is rejected', () => {
  const other = syntheticDataset({ name: 'other', classes: 4, perClass: 100 });
  assertSelection(
    () => selectForget(split, other, { scenario: 'class', class: 0 }),
    'bad-parameter',
    /split is of toy but the dataset is other/,
  );
});

test('a class with no member samples is rejected as empty', () => {
  const noClass3: Split = { ...split, member: split.member.filter((id) => train.labels[train.indexOf(id)] !== 3) };
  assertSelection(
    () => selectForget(noClass3, train, { scenario: 'subclass', class: 3, fraction: 0.5 }, 1),
    'empty',
    /class 3 \(class3\) has no samples/,
  );
});

test('retainIds is the member set minus the forget set, in member order', () => {
  const forget = selectForget(split, train, { scenario: 'random', fraction: 0.2 }, 2);
  const retain = retainIds(split, forget);
  assert.equal(retain.length, split.member.length - forget.ids.length);
  const removed = new Set(forget.ids);
  assert.deepEqual(
    retain,
    split.member.filter((id) => !removed.has(id)),
  );
  assert.deepEqual(retainIds(split, forget.ids), retain);
});

test('a saved forget set loads back equal, atomically written', () => {
  const forget = selectForget(split, train, { scenario: 'subclass', class: 1, fraction: 0.2 }, 5);
  const path = join(dir, 'forget.json');
  saveForget(path, forget);
  assert.deepEqual(loadForget(path), forget);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
  );
});

test('a bare JSON array of ids, or an object with only ids, loads as an ids scenario', () => {
  const bare = join(dir, 'bare.json');
  writeFileSync(bare, JSON.stringify(['toy/train/1', 'toy/train/2']));
  assert.deepEqual(loadForget(bare), { scenario: 'ids', params: {}, ids: ['toy/train/1', 'toy/train/2'] });
  const obj = join(dir, 'obj.json');
  writeFileSync(obj, JSON.stringify({ ids: ['toy/train/3'] }));
  assert.deepEqual(loadForget(obj), { scenario: 'ids', params: {}, ids: ['toy/train/3'] });
});

test('loading a forget set rejects invalid JSON and wrong types, naming the file and the field', () => {
  const cases: [string, RegExp][] = [
    ['[1, 2', /invalid JSON/],
    ['"toy/train/1"', /must be a JSON array of ids or an object/],
    ['["a", 3]', /element 1 must be a non-empty id string, got 3/],
    ['{"ids": "a"}', /field "ids" must be an array/],
    ['{"ids": ["a", null]}', /field "ids"\[1\] must be a non-empty id string/],
    ['{"ids": ["a"], "scenario": "all"}', /field "scenario" is "all"/],
    ['{"ids": ["a"], "params": []}', /field "params" must be an object/],
    ['{"ids": ["a"], "params": {"fraction": "0.1"}}', /field "params.fraction" must be a number/],
    ['{"ids": ["a"], "params": {"class": 1.5}}', /field "params.class" must be an integer/],
    ['{"ids": ["a"], "params": {"colour": 1}}', /field "params.colour" is not a forget parameter/],
    ['{"ids": ["a"], "count": 2}', /field "count" is 2 but "ids" holds 1/],
    ['{"ids": ["a"], "format": "tmu-split"}', /field "format"/],
  ];
  cases.forEach(([content, pattern], k) => {
    const path = join(dir, `bad-${k}.json`);
    writeFileSync(path, content);
    assert.throws(
      () => loadForget(path),
      (err: unknown) => err instanceof DataFormatError && err.file === path && pattern.test(err.message),
      content,
    );
  });
});
