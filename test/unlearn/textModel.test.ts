/**
 * A fastText model on 300 real reviews: the embedding bag averages the embeddings of a document's
 * tokens (padding left out); a deletion removes the tokens only deleted reviews had (name and embedding
 * row) and changes nothing for the remaining reviews; every method unlearns the text model.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { makeSplit } from '../../src/data/split.js';
import { encodeTextTable } from '../../src/data/tableDataset.js';
import { describeTable } from '../../src/data/tableSource.js';
import { tokenize } from '../../src/data/tokenizer.js';
import { fitVocabulary } from '../../src/data/vocabulary.js';
import type { FastText } from '../../src/models/fastText.js';
import { EmbeddingBag } from '../../src/nn/embeddingBag.js';
import { manualSeed, noGrad, tensor } from '../../src/tensor/index.js';
import { loadModel } from '../../src/train/modelStore.js';
import { predict } from '../../src/train/predict.js';
import { tableRecipe } from '../../src/train/recipe.js';
import { trainToDir } from '../../src/train/trainToDir.js';
import { listMethods } from '../../src/unlearn/methods.js';
import {
  buildContext,
  type PreparedOriginal,
  prepareOriginal,
  releaseContext,
  runMethod,
  saveUnlearned,
} from '../../src/unlearn/run.js';

const REVIEWS = fileURLToPath(new URL('../../../datasets/customers/fine_foods_train.csv.gz', import.meta.url));

test('the embedding bag averages the rows a document selects, leaving padding out', () => {
  manualSeed(0);
  const bag = new EmbeddingBag(5, 3, { paddingIdx: 0 });
  const weight = bag.weight.toTypedArray() as Float32Array;
  assert.deepEqual([...weight.slice(0, 3)], [0, 0, 0]);
  const out = noGrad(() => bag.forward(tensor(BigInt64Array.from([1n, 3n, 0n, 0n, 0n, 0n]), { shape: [2, 3] })));
  const values = out.toTypedArray() as Float32Array;
  for (let d = 0; d < 3; d++) {
    assert.ok(Math.abs(values[d]! - (weight[3 + d]! + weight[9 + d]!) / 2) < 1e-6);
    assert.equal(values[3 + d], 0);
  }
  bag.dispose();
});

describe('a text model forgets deleted reviews and their own words', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tmu-text-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'reviews-300.csv');
  const modelDir = join(dir, 'model');
  let original: PreparedOriginal;
  let forget: string[];
  let ownToken: string;

  before(() => {
    // Records may span lines: keep the first 300 records by parsing, then write them back quoted.
    const opened0 = describeTable(REVIEWS, { label: 'score', text: 'review', testFraction: 0.2 });
    const rows = opened0.train.subset(Int32Array.from({ length: 300 }, (_, i) => i));
    const reviews = rows.column('review').values as (string | null)[];
    const products = rows.column('product').values as (string | null)[];
    const csv = ['product,review,score'];
    rows.labels.forEach((label, i) => {
      csv.push(`${products[i]},"${(reviews[i] ?? '').replace(/"/g, '""')}",${rows.classNames[label]}`);
    });
    writeFileSync(file, `${csv.join('\n')}\n`);
    const opened = describeTable(file, { label: 'score', text: 'review' });
    const split = makeSplit(opened.train, opened.test, { seed: 0 });
    const members = opened.train.indicesOf(split.member);
    const vocabulary = fitVocabulary(opened.train, 'review', members, { minCount: 2, maxTokens: 120 });
    const data = encodeTextTable(opened, vocabulary);
    trainToDir({
      out: modelDir,
      dataset: {
        name: opened.train.name,
        dataDir: null,
        train: data.train,
        test: data.test,
        normalize: { mean: [0], std: [1] },
        table: opened.ref,
        vocabulary,
      },
      architecture: {
        name: 'fasttext',
        inChannels: 120,
        numClasses: 2,
        imageSize: 1,
        numTokens: vocabulary.tokens.length + 1,
        embeddingDim: 16,
        hidden: [16],
      },
      recipe: { ...tableRecipe(), epochs: 3, lr: 0.01 },
      split,
      curriculumEpoch: 1,
    });
    original = prepareOriginal(modelDir);
    // A vocabulary token that occurs in exactly one member review: deleting that review removes it.
    const texts = opened.train.column('review').values as (string | null)[];
    const docsWith = new Map<string, number[]>();
    for (const i of members)
      for (const t of new Set(tokenize(texts[i] ?? ''))) docsWith.set(t, [...(docsWith.get(t) ?? []), i]);
    const inVocabulary = new Set(vocabulary.tokens);
    const [token, docs] = [...docsWith.entries()].find(
      ([t, d]) => d.length === 1 && inVocabulary.has(t) && !t.includes(' '),
    )!;
    ownToken = token;
    const own = opened.train.ids[docs[0]!]!;
    forget = [own, ...split.member.filter((id, k) => k % 15 === 0 && id !== own)];
  });
  after(() => original?.loaded.model.dispose());

  test('a token only deleted reviews had loses its name and embedding; the other reviews keep their logits', () => {
    const ctx = buildContext(original, forget);
    try {
      assert.ok(ctx.vocabulary);
      assert.ok(!ctx.vocabulary.tokens.includes(ownToken));
      const id = original.loaded.sidecar.dataset.vocabulary!.tokens.indexOf(ownToken) + 1;
      const weight = (ctx.original as FastText).embedding.weight.toTypedArray() as Float32Array;
      assert.ok(
        weight.slice(id * 16, (id + 1) * 16).every((v) => v === 0),
        `embedding row ${id} cleared`,
      );
      const before = predict(original.loaded.model, original.data.train, ctx.retainIds, {
        normalize: ctx.normalize,
        logits: true,
      });
      const afterFold = predict(ctx.original, ctx.train, ctx.retainIds, { normalize: ctx.normalize, logits: true });
      assert.deepEqual(afterFold.logits, before.logits);
    } finally {
      releaseContext(ctx, original);
    }
  });

  for (const method of listMethods()) {
    test(`${method.name} unlearns the text model; the saved version holds no trace of the removed token`, () => {
      const ctx = buildContext(original, forget, { seed: 1 });
      const result = runMethod(ctx, method, {});
      const out = join(dir, method.name);
      try {
        const predictions = predict(result.model, ctx.test, ctx.split.test, { normalize: ctx.normalize, logits: true });
        assert.ok(predictions.logits!.every((v) => Number.isFinite(v)));
        saveUnlearned(out, original, ctx, method, result);
      } finally {
        result.model.dispose();
        releaseContext(ctx, original);
      }
      assert.ok(!readFileSync(join(out, 'model.json'), 'utf8').includes(JSON.stringify(ownToken)));
      const saved = loadModel(out);
      try {
        const id = original.loaded.sidecar.dataset.vocabulary!.tokens.indexOf(ownToken) + 1;
        const weight = (saved.model as FastText).embedding.weight.toTypedArray() as Float32Array;
        assert.ok(weight.slice(id * 16, (id + 1) * 16).every((v) => v === 0));
      } finally {
        saved.model.dispose();
      }
    });
  }
});
