import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { DataFormatError } from '../../src/data/errors.js';
import { FeatureDataset } from '../../src/data/featureDataset.js';
import { selectForget } from '../../src/data/forget.js';
import { matchRows, parseCondition } from '../../src/data/rowFilter.js';
import { makeSplit } from '../../src/data/split.js';
import { describeTable } from '../../src/data/tableSource.js';

const CHURN = join(fileURLToPath(new URL('../../../datasets/customers', import.meta.url)), 'wa_churn.csv.gz');
const opened = describeTable(CHURN, { label: 'churn' });

test('conditions parse into column, operator and value, and a malformed one is an error', () => {
  assert.deepEqual(parseCondition('contract=Month-to-month'), { column: 'contract', op: '=', value: 'Month-to-month' });
  assert.deepEqual(parseCondition('tenure<6'), { column: 'tenure', op: '<', value: '6' });
  assert.deepEqual(parseCondition('contract!=Two year'), { column: 'contract', op: '!=', value: 'Two year' });
  assert.throws(() => parseCondition('tenure'), /expected COLUMN=VALUE/);
  assert.throws(() => parseCondition('=5'), /expected COLUMN=VALUE/);
});

test('repeated conditions are ANDed and match exactly the rows that satisfy all of them', () => {
  const rows = matchRows(opened.train, [parseCondition('contract=Month-to-month'), parseCondition('tenure<6')]);
  const contract = opened.train.column('contract').values as (string | null)[];
  const tenure = opened.train.column('tenure').values as Float64Array;
  let expected = 0;
  for (let i = 0; i < opened.train.size; i++) if (contract[i] === 'Month-to-month' && tenure[i]! < 6) expected++;
  assert.equal(rows.length, expected);
  assert.ok(rows.length > 500);
  for (const i of rows) assert.ok(contract[i] === 'Month-to-month' && tenure[i]! < 6);
});

test('an unknown column and a numeric comparison on a categorical column are errors naming the column', () => {
  assert.throws(
    () => matchRows(opened.train, [parseCondition('colour=red')]),
    (e: unknown) => e instanceof DataFormatError && /no column named "colour"/.test(e.message),
  );
  assert.throws(
    () => matchRows(opened.train, [parseCondition('contract>2')]),
    /column "contract" is categorical, not numeric/,
  );
  assert.throws(() => matchRows(opened.train, [parseCondition('tenure<soon')]), /"soon" is not a number/);
});

test('a where forget set holds the matching members only and records the filter', () => {
  const split = makeSplit(opened.train, opened.test, { seed: 0 });
  const labels = new FeatureDataset({
    name: opened.train.name,
    partition: 'train',
    features: new Float32Array(opened.train.size),
    width: 1,
    labels: opened.train.labels,
    classNames: opened.train.classNames,
    ids: opened.train.ids,
  });
  const forget = selectForget(split, labels, {
    scenario: 'where',
    where: ['contract=Two year', 'tenure>70'],
    rows: opened.train,
  });
  assert.equal(forget.params.where, 'contract=Two year; tenure>70');
  const members = new Set(split.member);
  assert.ok(forget.ids.length > 0 && forget.ids.every((id) => members.has(id)));
  const all = matchRows(opened.train, [parseCondition('contract=Two year'), parseCondition('tenure>70')]);
  assert.equal(forget.ids.length, Array.from(all).filter((i) => members.has(opened.train.ids[i]!)).length);
});
