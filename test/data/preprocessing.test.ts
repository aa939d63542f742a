import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { encodeTabular, fitPreprocessing, inputChange, refitPreprocessing } from '../../src/data/preprocessing.js';
import { makeSplit } from '../../src/data/split.js';
import { describeTable } from '../../src/data/tableSource.js';
import { runPython } from '../helpers/python.js';

const CUSTOMERS = fileURLToPath(new URL('../../../datasets/customers', import.meta.url));
const CREDIT = join(CUSTOMERS, 'credit_data.csv.gz');

// scikit-learn fits each column on the member rows: StandardScaler (NaN ignored), then SimpleImputer
// (constant 0 in standardised space, with a missing indicator), OneHotEncoder (unknown ignored; a
// missing category is its own NaN category there, dropped here because tmu sends it to the bucket).
const SKLEARN = `
import csv, gzip, json, sys
import numpy as np
from sklearn.preprocessing import StandardScaler, OneHotEncoder
from sklearn.impute import SimpleImputer
spec = json.load(sys.stdin)
with gzip.open(spec['file'], 'rt', newline='') as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
member = [rows[i] for i in spec['member']]
other = [rows[i] for i in spec['other']]
out = []
for name, kind in spec['columns']:
    c = header.index(name)
    if kind in ('numeric', 'boolean'):
        conv = (lambda v: float(v)) if kind == 'numeric' else (lambda v: 1.0 if v.strip().lower() in ('yes', 'true', '1') else 0.0)
        col = lambda rs: np.array([[conv(r[c]) if r[c].strip() != '' else np.nan] for r in rs])
        scaler = StandardScaler().fit(col(member))
        imputer = SimpleImputer(strategy='constant', fill_value=0.0, add_indicator=True).fit(scaler.transform(col(member)))
        encoded = imputer.transform(scaler.transform(col(other)))
        out.append({'name': name, 'mean': float(scaler.mean_[0]), 'scale': float(scaler.scale_[0]), 'values': encoded.tolist()})
    else:
        col = lambda rs: np.array([[r[c].strip() if r[c].strip() != '' else np.nan] for r in rs], dtype=object)
        encoder = OneHotEncoder(handle_unknown='ignore').fit(col(member))
        categories = [v for v in encoder.categories_[0] if isinstance(v, str)]
        encoded = encoder.transform(col(other)).toarray()[:, :len(categories)]
        out.append({'name': name, 'categories': categories, 'values': encoded.tolist()})
print(json.dumps(out))
`;

interface SklearnColumn {
  name: string;
  mean?: number;
  scale?: number;
  categories?: string[];
  values: number[][];
}

test('preprocessing fitted on the members matches scikit-learn: means, scales, categories and encoded rows', () => {
  const opened = describeTable(CREDIT, { label: 'Status', testFraction: 0.2, testSeed: 1 });
  const split = makeSplit(opened.train, opened.test, { seed: 2 });
  const memberRows = opened.train.indicesOf(split.member);
  const state = fitPreprocessing(opened.train, memberRows);
  // Row numbers in the file of the members, and of test rows (never fitted on: unseen and missing values).
  const member = Array.from(memberRows, (i) => opened.train.rowNumbers[i]!);
  const other = Array.from(opened.test.rowNumbers);
  const encoded = encodeTabular(opened.test, state, 'test');
  const columns = state.columns.map((c) => [c.name, opened.ref.columns.find((s) => s.name === c.name)!.type]);
  const input = JSON.stringify({ file: CREDIT, member, other, columns });
  const reference = JSON.parse(runPythonWithInput(SKLEARN, input)) as SklearnColumn[];
  let offset = 0;
  let indicators = 0;
  state.columns.forEach((column, c) => {
    const expected = reference[c]!;
    assert.equal(expected.name, column.name);
    if (column.kind === 'numeric') {
      assert.ok(Math.abs(column.mean - expected.mean!) <= 1e-9 * Math.max(1, Math.abs(expected.mean!)), column.name);
      assert.ok(Math.abs(column.std - expected.scale!) <= 1e-9 * expected.scale!, column.name);
      // scikit-learn adds the indicator only for a column with missing member values, as tmu does.
      assert.equal(column.indicator, expected.values[0]!.length === 2, `${column.name} indicator`);
      if (column.indicator) indicators++;
    } else {
      assert.deepEqual(column.categories, expected.categories, column.name);
    }
    const width = column.kind === 'numeric' ? (column.indicator ? 2 : 1) : column.categories.length;
    for (let r = 0; r < encoded.size; r++) {
      const row = encoded.rowAt(r);
      for (let j = 0; j < width; j++)
        assert.ok(Math.abs(row[offset + j]! - expected.values[r]![j]!) < 1e-5, `${column.name} row ${r} value ${j}`);
    }
    offset += column.kind === 'numeric' ? width : width + 1;
  });
  assert.equal(offset, state.width);
  assert.ok(indicators > 0, 'credit data has missing numeric values among the members');
});

test('a refit keeps the layout and maps the new encoding affinely onto the old one for rows without missing values', () => {
  const opened = describeTable(CREDIT, { label: 'Status', testFraction: 0.2, testSeed: 1 });
  const all = Int32Array.from({ length: opened.train.size }, (_, i) => i);
  const before = fitPreprocessing(opened.train, all);
  const remaining = all.filter((i) => i % 3 !== 0);
  const after = refitPreprocessing(before, opened.train, remaining);
  assert.equal(after.width, before.width);
  const change = inputChange(before, after);
  const oldRows = encodeTabular(opened.train, before, 'train');
  const newRows = encodeTabular(opened.train, after, 'train');
  const numericColumns = new Set<number>();
  let offset = 0;
  for (const column of before.columns) {
    if (column.kind === 'numeric') numericColumns.add(offset);
    offset += column.kind === 'numeric' ? (column.indicator ? 2 : 1) : column.categories.length + 1;
  }
  let compared = 0;
  for (const i of remaining) {
    const complete = opened.train.columns.every((c) =>
      c.type === 'numeric' || c.type === 'boolean' ? !Number.isNaN(c.values[i] as number) : true,
    );
    if (!complete) continue;
    const a = oldRows.rowAt(i);
    const b = newRows.rowAt(i);
    for (let j = 0; j < before.width; j++) {
      const mapped = change.scale[j]! * b[j]! + change.shift[j]!;
      assert.ok(Math.abs(mapped - a[j]!) < 1e-5, `row ${i} input ${j}: ${mapped} vs ${a[j]}`);
    }
    compared++;
  }
  assert.ok(compared > 1000);
  assert.ok(numericColumns.size > 5);
});

function runPythonWithInput(script: string, input: string): string {
  return runPython(`import sys, io\nsys.stdin = io.StringIO(${JSON.stringify(input)})\n${script}`);
}
