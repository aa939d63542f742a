import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { describeTable } from '../../src/data/tableSource.js';
import { tokenize } from '../../src/data/tokenizer.js';
import { encodeText, fitVocabulary, refitVocabulary, removedTokenIds } from '../../src/data/vocabulary.js';
import { tempDir } from './support.js';

const dir = tempDir('tmu-vocab-');

test('the tokenizer strips HTML, lower-cases words and adds word bigrams', () => {
  assert.deepEqual(tokenize('Not GOOD.<br />Don&#39;t buy'), [
    'not',
    'good',
    "don't",
    'buy',
    'not good',
    "good don't",
    "don't buy",
  ]);
  assert.deepEqual(tokenize('<p></p>'), []);
});

function reviews(): ReturnType<typeof describeTable> {
  const path = join(dir, 'reviews.csv');
  const rows = [
    'text,label',
    '"great tea great taste",good',
    '"great coffee",good',
    '"awful tea",bad',
    '"zanzibar zanzibar spice",bad',
    '"awful awful",bad',
    '"great",good',
  ];
  writeFileSync(path, `${rows.join('\n')}\n`);
  return describeTable(path, { label: 'label', text: 'text', testFraction: 0.01 });
}

test('the vocabulary keeps tokens with the minimum count among the members, most frequent first', () => {
  const opened = reviews();
  const all = Int32Array.from({ length: opened.train.size }, (_, i) => i);
  const vocabulary = fitVocabulary(opened.train, 'text', all, { minCount: 2, maxTokens: 5 });
  assert.deepEqual(vocabulary.tokens, ['great', 'awful', 'tea', 'zanzibar']);
  const encoded = encodeText(opened.train, vocabulary, 'train');
  const row = opened.train.ids.indexOf('reviews.csv/row/0');
  // "great tea great taste": taste and the bigrams are below the minimum count; padding is 0.
  assert.deepEqual([...encoded.rowAt(row)], [1, 3, 1, 0, 0]);
  assert.ok(encoded.perturbable.every((p) => p === 0));
});

test('a refit removes only tokens no remaining document holds; tokens under the minimum count stay', () => {
  const opened = reviews();
  const ids = opened.train.ids;
  const all = Int32Array.from({ length: ids.length }, (_, i) => i);
  const vocabulary = fitVocabulary(opened.train, 'text', all, { minCount: 2 });
  // Delete the zanzibar review and one awful review: "awful" now occurs once (below 2) yet stays.
  const gone = new Set(['reviews.csv/row/3', 'reviews.csv/row/4']);
  const remaining = all.filter((i) => !gone.has(ids[i]!));
  const refit = refitVocabulary(vocabulary, opened.train, remaining);
  assert.deepEqual(refit.tokens, ['great', 'awful', 'tea', null]);
  assert.deepEqual(removedTokenIds(vocabulary, refit), [4]);
  assert.ok(!JSON.stringify(refit).includes('zanzibar'));
});
