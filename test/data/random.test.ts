import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Random } from '../../src/data/random.js';

/** The first n uint32 values of a stream. */
function draws(random: Random, n: number): number[] {
  return Array.from({ length: n }, () => random.nextUint32());
}

test('the same seed gives the same stream, and these exact values on every platform', () => {
  assert.deepEqual(draws(new Random(42), 5), draws(new Random(42), 5));
  // Pinned: a change here silently changes every split and forget set drawn by earlier runs.
  assert.deepEqual(draws(new Random(42), 4), GOLDEN_42);
  assert.deepEqual(draws(new Random(0), 2), GOLDEN_0);
});

test('different seeds, including seeds differing only above 32 bits, give different streams', () => {
  assert.notDeepEqual(draws(new Random(1), 4), draws(new Random(2), 4));
  assert.notDeepEqual(draws(new Random(5), 4), draws(new Random(5 + 2 ** 32), 4));
});

test('invalid seeds are rejected', () => {
  assert.throws(() => new Random(-1), RangeError);
  assert.throws(() => new Random(1.5), RangeError);
  assert.throws(() => new Random(Number.NaN), RangeError);
  assert.throws(() => new Random(2 ** 53), RangeError);
});

test('nextFloat stays in [0, 1) and averages about 1/2', () => {
  const random = new Random(7);
  let sum = 0;
  for (let i = 0; i < 20000; i++) {
    const x = random.nextFloat();
    assert.ok(x >= 0 && x < 1);
    sum += x;
  }
  assert.ok(Math.abs(sum / 20000 - 0.5) < 0.01);
});

test('nextInt(n) covers 0..n-1 roughly uniformly and rejects bad bounds', () => {
  const random = new Random(3);
  const counts = new Array<number>(6).fill(0);
  for (let i = 0; i < 60000; i++) counts[random.nextInt(6)]++;
  for (const count of counts) assert.ok(Math.abs(count - 10000) < 400, `count ${count}`);
  assert.equal(random.nextInt(1), 0);
  assert.throws(() => random.nextInt(0), RangeError);
  assert.throws(() => random.nextInt(2.5), RangeError);
  assert.throws(() => random.nextInt(2 ** 32 + 1), RangeError);
});

test('shuffle permutes in place, deterministically, for plain and typed arrays', () => {
  const a = Array.from({ length: 50 }, (_, i) => i);
  const returned = new Random(9).shuffle(a);
  assert.equal(returned, a);
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.notDeepEqual(
    a,
    Array.from({ length: 50 }, (_, i) => i),
  );
  const typed = Int32Array.from({ length: 50 }, (_, i) => i);
  new Random(9).shuffle(typed);
  assert.deepEqual(Array.from(typed), a);
});

test('shuffle puts each element in each position about equally often (Fisher-Yates is unbiased)', () => {
  const random = new Random(11);
  const counts = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
  for (let t = 0; t < 40000; t++) {
    const a = random.shuffle([0, 1, 2, 3]);
    for (const [position, value] of a.entries()) counts[value][position]++;
  }
  for (const row of counts) for (const count of row) assert.ok(Math.abs(count - 10000) < 400, `count ${count}`);
});

test('permutation(n) holds each of 0..n-1 once', () => {
  const p = new Random(1).permutation(1000);
  assert.equal(p.length, 1000);
  assert.deepEqual(
    Array.from(p).sort((x, y) => x - y),
    Array.from({ length: 1000 }, (_, i) => i),
  );
});

test('sample(array, k) draws k distinct elements and rejects k out of range', () => {
  const population = Array.from({ length: 100 }, (_, i) => `id${i}`);
  const s = new Random(4).sample(population, 30);
  assert.equal(s.length, 30);
  assert.equal(new Set(s).size, 30);
  for (const x of s) assert.ok(population.includes(x));
  assert.deepEqual(new Random(4).sample(population, 30), s);
  assert.deepEqual(new Random(4).sample(population, 0), []);
  assert.equal(new Set(new Random(4).sample(population, 100)).size, 100);
  assert.throws(() => new Random(4).sample(population, 101), RangeError);
  assert.throws(() => new Random(4).sample(population, -1), RangeError);
});

test('fork gives an independent stream that depends on the seed and label, not on draws already made', () => {
  const parent = new Random(5);
  const before = draws(parent.fork('a'), 4);
  draws(parent, 100);
  assert.deepEqual(draws(parent.fork('a'), 4), before);
  assert.deepEqual(draws(new Random(5).fork('a'), 4), before);
  assert.notDeepEqual(draws(new Random(5).fork('b'), 4), before);
  assert.notDeepEqual(draws(new Random(6).fork('a'), 4), before);
  assert.notDeepEqual(draws(new Random(5), 4), before);
  assert.notDeepEqual(draws(new Random(5).fork('a').fork('a'), 4), before);
  assert.deepEqual(draws(new Random(5).fork('a').fork('x'), 4), draws(new Random(5).fork('a').fork('x'), 4));
});

const GOLDEN_42 = [225813940, 3436844315, 1248777404, 1760520203];
const GOLDEN_0 = [4124233727, 3589042083];
