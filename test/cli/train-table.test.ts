/**
 * `tmu train --dataset csv`: a model of a table trained from a real file (the first 400 customers of the
 * churn file), its preprocessing and file digest recorded, its data reloaded by `tmu eval`; bad tables
 * rejected with one line naming file, row and column, and nothing written.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';

import { REPO_ROOT, readSidecar, tempDir, tmu, tmuOk } from './support.js';

const CHURN = join(REPO_ROOT, 'datasets', 'customers', 'wa_churn.csv.gz');

describe('tmu train --dataset csv', { concurrency: 2 }, () => {
  const work = tempDir('tmu-table-');
  const lines = gunzipSync(readFileSync(CHURN)).toString('utf8').split('\n');
  const small = join(work, 'churn-400.csv.gz');
  writeFileSync(small, gzipSync(`${lines.slice(0, 401).join('\n')}\n`));
  let counter = 0;

  async function fails(file: string, flags: string[], ...patterns: RegExp[]): Promise<void> {
    const out = join(work, `out-${++counter}`);
    const result = await tmu(['train', '--dataset', 'csv', '--data', file, '--epochs', '1', ...flags, '--out', out]);
    const usage = flags.length === 0;
    assert.equal(result.status, usage ? 2 : 1, `exit status (stderr: ${result.stderr})`);
    const stderr = result.stderr.split('\n');
    assert.equal(stderr.length, 2, `one line on stderr, got: ${JSON.stringify(result.stderr)}`);
    for (const pattern of patterns) assert.match(stderr[0]!, pattern);
    assert.ok(!existsSync(out), `no output folder ${out}`);
  }

  function table(name: string, text: string): string {
    const path = join(work, name);
    writeFileSync(path, text);
    return path;
  }

  test('trains an MLP on the members, records file digest and preprocessing, and eval reloads it', async () => {
    const out = join(work, 'model');
    const trained = await tmuOk([
      'train',
      '--dataset',
      'csv',
      '--data',
      small,
      '--label',
      'churn',
      '--hidden',
      '16',
      '--dropout',
      '0.1',
      '--batch-norm',
      '--epochs',
      '5',
      '--json',
      '--out',
      out,
    ]);
    const summary = JSON.parse(trained.stdout) as { testAcc: number; trainSamples: number };
    assert.ok(summary.testAcc > 65, `test accuracy ${summary.testAcc}`);
    assert.equal(summary.trainSamples, 240);
    const sidecar = readSidecar(out) as unknown as {
      architecture: { inChannels: number; hidden: number[]; dropout: number; batchNorm: boolean };
      dataset: {
        table: { digest: string; file: string };
        preprocessing: { width: number; columns: { name: string }[] };
      };
    };
    assert.equal(sidecar.dataset.table.file, small);
    assert.equal(sidecar.dataset.preprocessing.width, sidecar.architecture.inChannels);
    assert.deepEqual(sidecar.architecture.hidden, [16]);
    assert.equal(sidecar.architecture.batchNorm, true);
    assert.ok(sidecar.dataset.preprocessing.columns.some((c) => c.name === 'contract'));
    const evaluated = await tmuOk(['eval', '--model', out, '--json']);
    const metrics = JSON.parse(evaluated.stdout) as { acc: { test: number } };
    assert.ok(Math.abs(metrics.acc.test - summary.testAcc) < 1e-9, evaluated.stdout);
    // The same path with other bytes: refused, because row positions would name other rows.
    const changed = join(work, 'model-changed');
    await tmuOk(['train', '--dataset', 'csv', '--data', small, '--label', 'churn', '--epochs', '1', '--out', changed]);
    writeFileSync(small, gzipSync(`${lines.slice(0, 301).join('\n')}\n`));
    const refused = await tmu(['eval', '--model', changed]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /changed since the model was trained/);
    writeFileSync(small, gzipSync(`${lines.slice(0, 401).join('\n')}\n`));
  });

  test('trains a fastText model on a text column with --dataset text-csv, its vocabulary recorded', async () => {
    const reviews = table(
      'reviews.csv',
      `text,label\n${Array.from({ length: 120 }, (_, i) => (i % 2 ? `"great tasty tea <br />would buy ${i}",good` : `"awful stale coffee, never again ${i}",bad`)).join('\n')}\n`,
    );
    const out = join(work, 'text-model');
    const trained = await tmuOk([
      'train',
      '--dataset',
      'text-csv',
      '--data',
      reviews,
      '--text',
      'text',
      '--label',
      'label',
      '--epochs',
      '3',
      '--embedding-dim',
      '8',
      '--hidden',
      '8',
      '--json',
      '--out',
      out,
    ]);
    const summary = JSON.parse(trained.stdout) as { testAcc: number };
    assert.ok(summary.testAcc > 90, `test accuracy ${summary.testAcc}`);
    const sidecar = readSidecar(out) as unknown as {
      architecture: { name: string; numTokens: number };
      dataset: { vocabulary: { tokens: string[]; minCount: number } };
    };
    assert.equal(sidecar.architecture.name, 'fasttext');
    assert.equal(sidecar.architecture.numTokens, sidecar.dataset.vocabulary.tokens.length + 1);
    assert.ok(sidecar.dataset.vocabulary.tokens.includes('great tasty'), 'bigrams are tokens');
    assert.ok(!sidecar.dataset.vocabulary.tokens.includes('br'), 'HTML is stripped');
    const missingText = await tmu([
      'train',
      '--dataset',
      'text-csv',
      '--data',
      reviews,
      '--label',
      'label',
      '--out',
      join(work, 'x'),
    ]);
    assert.equal(missingText.status, 2);
    assert.match(missingText.stderr, /needs --text COLUMN/);
  });

  test('a ragged row: one line naming file, row and column', async () => {
    await fails(
      table('ragged.csv', 'a,b,label\n1,2,x\n3,4,y\n5,z\n'),
      ['--label', 'label'],
      /ragged\.csv/,
      /row 2/,
      /"label"/,
    );
  });

  test('an unknown label column: one line naming file and column', async () => {
    await fails(small, ['--label', 'churned'], /churn-400\.csv\.gz/, /no column named "churned"/);
  });

  test('a label column with one class', async () => {
    await fails(table('one.csv', 'a,label\n1,x\n2,x\n3,x\n'), ['--label', 'label'], /one\.csv/, /"label" has 1 class/);
  });

  test('a non-numeric value in a numeric column', async () => {
    await fails(
      table('num.csv', 'a,label\n1,x\n2,y\nlots,x\n'),
      ['--label', 'label', '--column-type', 'a=numeric'],
      /num\.csv/,
      /row 2/,
      /column "a"/,
      /"lots" is not a number/,
    );
  });

  test('an empty file', async () => {
    await fails(table('empty.csv', ''), ['--label', 'label'], /empty\.csv/, /empty/);
  });

  test('an id column with duplicates, naming the rows', async () => {
    await fails(
      table('dups.csv', 'key,a,label\nk1,1,x\nk2,2,y\nk1,3,x\n'),
      ['--label', 'label', '--id-column', 'key'],
      /dups\.csv/,
      /column "key"/,
      /"k1" in rows 0, 2/,
    );
  });

  test('--dataset csv without --label is a usage error', async () => {
    await fails(small, [], /needs --label/);
  });
});
