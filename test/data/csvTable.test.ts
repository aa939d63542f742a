import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { readCsvTable } from '../../src/data/csvTable.js';
import { DataFormatError } from '../../src/data/errors.js';
import { inferSchema } from '../../src/data/tableSchema.js';
import { describeTable, openTable } from '../../src/data/tableSource.js';
import { tabularFromCsv } from '../../src/data/tabularData.js';
import { tempDir } from './support.js';

const CUSTOMERS = fileURLToPath(new URL('../../../datasets/customers', import.meta.url));
const CHURN = join(CUSTOMERS, 'wa_churn.csv.gz');
const dir = tempDir('tmu-csv-');

function write(name: string, text: string, gzip = false): string {
  const path = join(dir, name);
  writeFileSync(path, gzip ? gzipSync(Buffer.from(text)) : text);
  return path;
}

/** Asserts a DataFormatError whose message names every fragment. */
function throwsNaming(run: () => unknown, ...fragments: string[]): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DataFormatError, `expected a DataFormatError, got ${String(error)}`);
    for (const fragment of fragments)
      assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
    return true;
  });
}

test('the gzip churn file reads as 7,043 rows of 20 columns with its digest and inferred types', () => {
  const table = readCsvTable(CHURN);
  assert.equal(table.rows.length, 7043);
  assert.equal(table.header.length, 20);
  assert.equal(table.digest, '8156c41a6e7dc4682e41845bce090cf82c70bb85a550736a775e1ad33576f789');
  const schema = inferSchema(table, { label: 'churn' });
  const type = (name: string) => schema.find((c) => c.name === name)?.type;
  assert.equal(type('churn'), 'label');
  assert.equal(type('tenure'), 'numeric');
  assert.equal(type('total_charges'), 'numeric');
  assert.equal(type('contract'), 'categorical');
  const data = tabularFromCsv(table, schema);
  assert.deepEqual(data.classNames, ['No', 'Yes']);
  const charges = data.column('total_charges').values as Float64Array;
  assert.equal(charges.filter((x) => Number.isNaN(x)).length, 11);
  assert.equal(data.ids[0], 'wa_churn.csv.gz/row/0');
  assert.equal(data.ids[7042], 'wa_churn.csv.gz/row/7042');
});

test('quoted fields keep embedded delimiters, doubled quotes and newlines; a row spanning lines is one row', () => {
  const path = write('quoted.csv', 'id,note,label\n1,"a, b",x\n2,"line one\nline two",y\n3,"say ""hi""",x\n');
  const table = readCsvTable(path);
  assert.deepEqual(
    table.rows.map((row) => row[1]),
    ['a, b', 'line one\nline two', 'say "hi"'],
  );
  assert.deepEqual(table.lines, [2, 4, 5]);
});

test('a tab-separated plain file is read with the tab as delimiter', () => {
  const path = write('plain.tsv', 'a\tb\tlabel\n1\tred\tyes\n2\tblue\tno\n');
  const table = readCsvTable(path);
  assert.deepEqual(table.header, ['a', 'b', 'label']);
  assert.deepEqual(table.rows[1], ['2', 'blue', 'no']);
});

test('type overrides win over inference and booleans are read as 0/1 with missing values as NaN', () => {
  const path = write('types.csv', 'zip,flag,label\n10115,TRUE,a\n20095,,b\n10115,false,a\n');
  const table = readCsvTable(path);
  const schema = inferSchema(table, { label: 'label', types: { zip: 'categorical' } });
  assert.deepEqual(
    schema.map((c) => c.type),
    ['categorical', 'boolean', 'label'],
  );
  const data = tabularFromCsv(table, schema);
  assert.deepEqual(data.column('zip').values, ['10115', '20095', '10115']);
  assert.deepEqual([...(data.column('flag').values as Float64Array)], [1, Number.NaN, 0]);
});

test('ids come from the id column when one is named', () => {
  const path = write('ids.csv', 'customer,x,label\nc-7,1,a\nc-9,2,b\n');
  const opened = describeTable(path, { label: 'label', idColumn: 'customer', testFraction: 0.5 });
  assert.deepEqual([...opened.train.ids, ...opened.test.ids].sort(), ['c-7', 'c-9']);
});

test('an id column with duplicates is an error naming the file, column, id and rows', () => {
  const path = write('dup.csv', 'customer,x,label\nc-1,1,a\nc-2,2,b\nc-1,3,a\n');
  throwsNaming(
    () => describeTable(path, { label: 'label', idColumn: 'customer' }),
    path,
    '"customer"',
    '"c-1" in rows 0, 2',
  );
});

test('a ragged row is an error naming the file, the row, its line and the missing column', () => {
  const path = write('ragged.csv', 'a,b,label\n1,2,x\n3,y\n');
  throwsNaming(() => readCsvTable(path), path, 'row 1 (line 3)', 'column "label" is missing');
});

test('an unknown label or id column is an error naming the file and listing the columns', () => {
  const path = write('cols.csv', 'a,b,label\n1,2,x\n3,4,y\n');
  throwsNaming(() => describeTable(path, { label: 'target' }), path, 'no column named "target"', '"a", "b", "label"');
  throwsNaming(() => describeTable(path, { label: 'label', idColumn: 'key' }), 'id column', '"key"');
});

test('a label column with one class is an error naming the file and column', () => {
  const path = write('oneclass.csv', 'a,label\n1,x\n2,x\n');
  throwsNaming(() => describeTable(path, { label: 'label' }), path, 'label column "label" has 1 class');
});

test('a non-numeric value in a numeric column is an error naming the file, row and column', () => {
  const rows = Array.from({ length: 20 }, (_, i) => `${i},${i % 2 ? 'a' : 'b'}`);
  rows[13] = 'twelve,a';
  const path = write('nonnumeric.csv', `age,label\n${rows.join('\n')}\n`);
  throwsNaming(
    () => describeTable(path, { label: 'label' }),
    path,
    'row 13 (line 15)',
    'column "age"',
    '"twelve" is not a number',
  );
  const declared = write('declared.csv', 'age,label\n1,a\nold,b\n');
  throwsNaming(() => describeTable(declared, { label: 'label', types: { age: 'numeric' } }), 'row 1', '"age"');
});

test('an empty file, a gzip of nothing and a header without rows are errors naming the file', () => {
  throwsNaming(() => readCsvTable(write('empty.csv', '')), 'empty.csv', 'empty');
  throwsNaming(() => readCsvTable(write('empty.csv.gz', '', true)), 'empty.csv.gz', 'empty');
  throwsNaming(() => readCsvTable(write('header.csv', 'a,label\n')), 'header.csv', 'no data rows');
});

test('a table file that changed since training is refused, naming both digests', () => {
  const path = join(dir, 'churn-copy.csv.gz');
  copyFileSync(CHURN, path);
  const opened = describeTable(path, { label: 'churn' });
  assert.equal(opened.train.size + opened.test.size, 7043);
  assert.ok(Math.abs(opened.test.size - 1409) <= 1);
  const reopened = openTable(opened.ref);
  assert.deepEqual(reopened.test.ids, opened.test.ids);
  writeFileSync(path, gzipSync(Buffer.from('churn,tenure\nNo,1\nYes,2\n')));
  throwsNaming(() => openTable(opened.ref), path, 'changed since the model was trained', opened.ref.digest);
});

test('the test rows are a stratified seeded share: each class keeps its proportion', () => {
  const opened = describeTable(CHURN, { label: 'churn', testFraction: 0.2, testSeed: 3 });
  const yes = (labels: Int32Array) => labels.filter((l) => l === 1).length;
  assert.equal(yes(opened.test.labels), Math.round(1869 * 0.2));
  assert.equal(opened.test.size, Math.round(1869 * 0.2) + Math.round(5174 * 0.2));
});
