/**
 * `tmu bench --preset quick` end to end on real Fashion-MNIST (small CNN, 3 epochs on 6,000 training
 * images): it exits 0 and writes report.json, report.md and report.html; report.json validates against
 * schema/report.schema.json with every DESIGN §7 field present for every method; a second run reuses the
 * cached original and gold models instead of training them again. (How long the preset takes is measured
 * by running it, not asserted here: speed is never checked by timed tests.)
 *
 * @module
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { validateReport } from '../eval/schema.js';
import { TMU_BIN } from '../unlearn/support.js';

const dir = mkdtempSync(join(tmpdir(), 'tmu-bench-quick-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS = [
  'acc',
  'gap',
  'avgGap',
  'tow',
  'agreement',
  'easyRecall',
  'hardForget',
  'activationDistance',
  'jsDivergence',
  'mia',
  'seconds',
  'rte',
];

test(
  'tmu bench --preset quick writes a report.json that validates against the committed schema, for every method',
  { timeout: 900_000 },
  () => {
    const out = join(dir, 'out');
    const run = spawnSync(
      process.execPath,
      [TMU_BIN, 'bench', '--preset', 'quick', '--out', out, '--cache', join(dir, 'cache'), '--json'],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr.split('\n').filter(Boolean).slice(-3).join('\n'));
    for (const file of ['report.json', 'report.md', 'report.html'])
      assert.ok(existsSync(join(out, file)), `${file} is missing`);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      methods: Record<string, unknown>[];
      models: Record<string, unknown>;
    };
    const validation = validateReport(report);
    assert.deepEqual(validation, { valid: true, errors: [] });
    assert.deepEqual(
      report.methods.map((m) => m.name),
      ['tmu', 'retrain', 'finetune', 'gradient-ascent', 'random-label'],
    );
    for (const method of report.methods)
      for (const field of FIELDS) assert.ok(field in method, `${String(method.name)} lacks ${field}`);
    const tmu = report.methods.find((m) => m.name === 'tmu') as { predictor?: unknown };
    assert.ok(tmu.predictor, 'TMU reports its predictor quality against the gold model');
    assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /\| tmu \|/);

    // Adding a method later reuses the cached original and gold models: no training line in the log.
    const again = spawnSync(
      process.execPath,
      [
        TMU_BIN,
        'bench',
        '--preset',
        'quick',
        '--methods',
        'gradient-ascent-calibrated',
        '--out',
        join(dir, 'out2'),
        '--cache',
        join(dir, 'cache'),
        '--json',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(again.status, 0, again.stderr.split('\n').filter(Boolean).slice(-3).join('\n'));
    assert.equal(
      again.stderr.split('\n').filter((line) => line.includes('"event":"train"')).length,
      0,
      'the cached models were trained again',
    );
  },
);
