import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { DataFormatError } from '../../src/data/errors.js';
import { loadSplit, makeSplit, type Split, saveSplit, splitDigest } from '../../src/data/split.js';
import { syntheticDataset, tempDir } from './support.js';

const train = syntheticDataset({ name: 'toy', classes: 4, perClass: 100 });
const testPart = syntheticDataset({ name: 'toy', partition: 'test', classes: 4, perClass: 10 });
const dir = tempDir('tmu-split-');

test('the same seed gives the same split and a different seed a different one', () => {
  const a = makeSplit(train, testPart, { seed: 1 });
  const b = makeSplit(train, testPart, { seed: 1 });
  const c = makeSplit(train, testPart, { seed: 2 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.member, c.member);
  assert.equal(splitDigest(a), splitDigest(b));
  assert.notEqual(splitDigest(a), splitDigest(c));
});

test('a default split puts 75% of train in the member set, 25% in the holdout set, all of test in T', () => {
  const split = makeSplit(train, testPart, { seed: 3 });
  assert.equal(split.dataset, 'toy');
  assert.equal(split.seed, 3);
  assert.equal(split.member.length, 300);
  assert.equal(split.holdout.length, 100);
  assert.deepEqual(split.test, testPart.ids);
});

test('member and holdout sets are disjoint, cover the train set, and are listed in dataset order', () => {
  const split = makeSplit(train, testPart, { seed: 4, holdoutFraction: 0.3 });
  assert.equal(split.holdout.length, 120);
  const member = new Set(split.member);
  assert.ok(split.holdout.every((id) => !member.has(id)));
  assert.deepEqual([...split.member, ...split.holdout].sort(), [...train.ids].sort());
  const positions = split.member.map((id) => train.indexOf(id));
  assert.deepEqual(
    positions,
    [...positions].sort((x, y) => x - y),
  );
});

test('bad holdout fractions and mismatched partitions are rejected', () => {
  assert.throws(() => makeSplit(train, testPart, { seed: 1, holdoutFraction: 0 }), RangeError);
  assert.throws(() => makeSplit(train, testPart, { seed: 1, holdoutFraction: 1 }), RangeError);
  assert.throws(() => makeSplit(train, testPart, { seed: 1, holdoutFraction: 0.0001 }), /empty member or holdout/);
  const other = syntheticDataset({ name: 'other', partition: 'test' });
  assert.throws(() => makeSplit(train, other, { seed: 1 }), /different datasets/);
});

test('the digest covers the id lists but not the seed', () => {
  const split = makeSplit(train, testPart, { seed: 5 });
  assert.match(splitDigest(split), /^[0-9a-f]{64}$/);
  assert.equal(splitDigest({ ...split, seed: 99 }), splitDigest(split));
  const moved: Split = { ...split, member: split.member.slice(1), holdout: [split.member[0], ...split.holdout] };
  assert.notEqual(splitDigest(moved), splitDigest(split));
});

test('a saved split loads back equal, and the write leaves no temporary file', () => {
  const split = makeSplit(train, testPart, { seed: 6 });
  const path = join(dir, 'split.json');
  saveSplit(path, split);
  assert.deepEqual(loadSplit(path), split);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
  );
  saveSplit(path, makeSplit(train, testPart, { seed: 7 }));
  assert.equal(loadSplit(path).seed, 7, 'saving again replaces the file');
});

test('a split file without a digest (written by hand) is accepted', () => {
  const path = join(dir, 'hand.json');
  writeFileSync(
    path,
    JSON.stringify({
      dataset: 'toy',
      seed: 0,
      member: ['toy/train/0', 'toy/train/1'],
      holdout: ['toy/train/2'],
      test: [],
    }),
  );
  const split = loadSplit(path);
  assert.deepEqual(split.member, ['toy/train/0', 'toy/train/1']);
});

test('a split without a test list takes the default test ids it is given, and is refused without one', () => {
  const path = join(dir, 'no-test.json');
  writeFileSync(path, JSON.stringify({ dataset: 'toy', seed: 0, member: ['toy/train/0'], holdout: ['toy/train/1'] }));
  const split = loadSplit(path, { defaultTest: ['toy/test/0', 'toy/test/1'] });
  assert.deepEqual(split.test, ['toy/test/0', 'toy/test/1']);
  assert.throws(() => loadSplit(path), /field "test" must be an array of id strings/);
  assert.throws(
    () => loadSplit(path, { defaultTest: ['toy/train/0'] }),
    /field "test" shares 1 id\(s\) with "member"/,
    'default test ids are checked like listed ones',
  );
});

/** Writes `content` and asserts loadSplit rejects it with a message naming the file and matching `pattern`. */
function assertRejected(name: string, content: string, pattern: RegExp): void {
  const path = join(dir, name);
  writeFileSync(path, content);
  assert.throws(
    () => loadSplit(path),
    (err: unknown) =>
      err instanceof DataFormatError &&
      err.file === path &&
      err.message.startsWith(`${path}: `) &&
      pattern.test(err.message),
  );
}

test('loading rejects invalid JSON and wrong structures, naming the file and the bad field', () => {
  const good = { dataset: 'toy', seed: 0, member: ['a', 'b'], holdout: ['c'], test: ['t'] };
  assertRejected('invalid.json', '{"dataset": "toy",', /invalid JSON/);
  assertRejected('array.json', '[]', /must be a JSON object/);
  assertRejected('nodataset.json', JSON.stringify({ ...good, dataset: 3 }), /field "dataset"/);
  assertRejected('noseed.json', JSON.stringify({ ...good, seed: 'x' }), /field "seed"/);
  assertRejected('nomember.json', JSON.stringify({ ...good, member: undefined }), /field "member" must be an array/);
  assertRejected(
    'badid.json',
    JSON.stringify({ ...good, holdout: ['c', 4] }),
    /field "holdout"\[1\] must be a non-empty id string/,
  );
  assertRejected('emptymember.json', JSON.stringify({ ...good, member: [] }), /field "member" is empty/);
  assertRejected('format.json', JSON.stringify({ ...good, format: 'tmu-forget' }), /field "format"/);
  assertRejected('version.json', JSON.stringify({ ...good, version: 2 }), /field "version"/);
});

test('loading rejects repeated ids and ids in both the member and holdout sets', () => {
  const good = { dataset: 'toy', seed: 0, member: ['a', 'b'], holdout: ['c'], test: ['t'] };
  assertRejected('repeat.json', JSON.stringify({ ...good, member: ['a', 'b', 'a'] }), /field "member" repeats ids: a/);
  assertRejected(
    'overlap.json',
    JSON.stringify({ ...good, holdout: ['c', 'b'] }),
    /field "holdout" shares 1 id\(s\) with "member": b/,
  );
  assertRejected(
    'overlap-test.json',
    JSON.stringify({ ...good, test: ['t', 'c'] }),
    /field "test" shares 1 id\(s\) with "holdout": c/,
  );
});

test('loading a saved split whose lists were edited fails the digest check', () => {
  const path = join(dir, 'edited.json');
  saveSplit(path, makeSplit(train, testPart, { seed: 8 }));
  const file = JSON.parse(readFileSync(path, 'utf8')) as { member: string[]; holdout: string[] };
  file.holdout.push(file.member.pop()!);
  writeFileSync(path, JSON.stringify(file));
  assert.throws(() => loadSplit(path), /field "digest" does not match/);
  assert.ok(existsSync(path));
});
