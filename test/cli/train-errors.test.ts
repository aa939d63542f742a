/**
 * Bad input to `tmu train`: a non-zero exit, one line on stderr naming the problem, and no model
 * written (no output folder at all, since every input is checked before the first byte is written).
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { fashionSubset, tempDir, tmu, tmuOk } from './support.js';

describe('tmu train: bad input', { concurrency: 2 }, () => {
  const work = tempDir();
  let dataDir: string;
  let splitFile: string;
  let split: { member: string[]; holdout: string[]; test: string[] };
  let counter = 0;

  before(async () => {
    dataDir = fashionSubset(join(work, 'data'));
    splitFile = join(work, 'split.json');
    await tmuOk(['split', '--data-dir', dataDir, '--out', splitFile]);
    split = JSON.parse(readFileSync(splitFile, 'utf8'));
  });

  /** A copy of the good subset with one file replaced by `bytes`. */
  function dataWith(file: string, bytes: Uint8Array): string {
    const dir = join(work, `data-${++counter}`);
    cpSync(dataDir, dir, { recursive: true });
    writeFileSync(join(dir, file), bytes);
    return dir;
  }

  /**
   * Runs `tmu train` with the flags (plus a fresh --out) and checks the failure: exit status, one line
   * on stderr matching every pattern, no output folder.
   */
  async function fails(flags: string[], status: number, ...patterns: RegExp[]): Promise<string> {
    const out = join(work, `out-${++counter}`);
    const result = await tmu(['train', '--epochs', '2', ...flags, '--out', out]);
    assert.equal(result.status, status, `exit status (stderr: ${result.stderr})`);
    assert.equal(result.stdout, '', 'nothing on stdout');
    const lines = result.stderr.split('\n');
    assert.equal(lines.length, 2, `one line on stderr, got: ${JSON.stringify(result.stderr)}`);
    assert.equal(lines[1], '');
    assert.match(lines[0]!, /^tmu train: /);
    for (const pattern of patterns) assert.match(lines[0]!, pattern);
    assert.ok(!existsSync(out), `no output folder ${out}`);
    return lines[0]!;
  }

  test('a truncated IDX file (raw), naming the file and the offset', async () => {
    const images = readFileSync(join(dataDir, 't10k-images-idx3-ubyte'));
    const dir = dataWith('t10k-images-idx3-ubyte', images.subarray(0, 100_000));
    await fails(['--data-dir', dir], 1, /t10k-images-idx3-ubyte: truncated/, /300 images of 28x28/, /offset 100000/);
  });

  test('a truncated gzip IDX file', async () => {
    const gz = readFileSync(join(dataDir, 'train-images-idx3-ubyte.gz'));
    const dir = dataWith('train-images-idx3-ubyte.gz', gz.subarray(0, gz.length >> 1));
    await fails(['--data-dir', dir], 1, /train-images-idx3-ubyte\.gz: corrupt gzip data/);
  });

  test('an IDX file with a wrong magic number', async () => {
    const labels = Buffer.from(readFileSync(join(dataDir, 'train-labels-idx1-ubyte')));
    labels.writeUInt32BE(0x00000803, 0); // the images magic in a labels file
    await fails(
      ['--data-dir', dataWith('train-labels-idx1-ubyte', labels)],
      1,
      /train-labels-idx1-ubyte: wrong magic number 0x00000803/,
      /labels file/,
    );
    const garbage = Buffer.from(readFileSync(join(dataDir, 't10k-images-idx3-ubyte')));
    garbage.writeUInt32BE(0x12345678, 0);
    await fails(
      ['--data-dir', dataWith('t10k-images-idx3-ubyte', garbage)],
      1,
      /t10k-images-idx3-ubyte: not an IDX file: wrong magic number 0x12345678/,
    );
  });

  test('a label out of range', async () => {
    const labels = Buffer.from(readFileSync(join(dataDir, 'train-labels-idx1-ubyte')));
    labels[8 + 17] = 10;
    await fails(
      ['--data-dir', dataWith('train-labels-idx1-ubyte', labels)],
      1,
      /train-labels-idx1-ubyte: label 10 of entry 17 is outside 0\.\.9/,
    );
  });

  test('a nonexistent --data-dir', async () => {
    await fails(['--data-dir', join(work, 'no-such-folder')], 1, /no-such-folder: no such folder/);
  });

  test('a data folder missing a file', async () => {
    const dir = join(work, 'data-missing');
    cpSync(dataDir, dir, { recursive: true });
    rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    await fails(['--data-dir', dir], 1, /t10k-labels-idx1-ubyte\.gz: missing/);
  });

  test('a CIFAR-10 batch of the wrong length', async () => {
    const dir = join(work, 'cifar');
    mkdirSync(dir);
    const record = 3073;
    for (const file of [
      'data_batch_1.bin',
      'data_batch_2.bin',
      'data_batch_3.bin',
      'data_batch_4.bin',
      'data_batch_5.bin',
      'test_batch.bin',
    ]) {
      const bytes = new Uint8Array(record * 4 + (file === 'data_batch_3.bin' ? 1000 : 0));
      for (let r = 0; r < 4; r++) bytes[r * record] = r;
      writeFileSync(join(dir, file), bytes);
    }
    await fails(
      ['--dataset', 'cifar10', '--data-dir', dir],
      1,
      /data_batch_3\.bin: length 13292 bytes is not a multiple of the 3073-byte record size/,
    );
  });

  test('a forget file with unknown ids lists them', async () => {
    const file = join(work, 'unknown.json');
    writeFileSync(file, JSON.stringify({ ids: [split.member[0], 'fashion-mnist/train/99999', 'cifar10/train/3'] }));
    await fails(
      ['--data-dir', dataDir, '--split', splitFile, '--exclude', file],
      1,
      /2 id\(s\) are not samples of fashion-mnist: fashion-mnist\/train\/99999, cifar10\/train\/3$/,
    );
  });

  test('a forget file with holdout or test ids lists them', async () => {
    const file = join(work, 'holdout.json');
    writeFileSync(file, JSON.stringify([split.member[0], split.holdout[0], split.holdout[1], split.test[0]]));
    const line = await fails(
      ['--data-dir', dataDir, '--split', splitFile, '--exclude', file],
      1,
      /not in the member set/,
      /2 holdout/,
    );
    for (const id of [split.holdout[0]!, split.holdout[1]!, split.test[0]!])
      assert.ok(line.includes(id), `${id} listed`);
    assert.ok(
      !line.includes(`${split.member[0]!},`) && !line.endsWith(split.member[0]!),
      'the member id is not listed',
    );
  });

  test('a forget file with duplicate ids lists them', async () => {
    const file = join(work, 'duplicates.json');
    writeFileSync(file, JSON.stringify({ ids: [split.member[3], split.member[4], split.member[3]] }));
    await fails(
      ['--data-dir', dataDir, '--split', splitFile, '--exclude', file],
      1,
      new RegExp(`more than once in the forget set: ${split.member[3]!}$`),
    );
  });

  test('a malformed forget JSON', async () => {
    const file = join(work, 'malformed.json');
    writeFileSync(file, '{"ids": ["fashion-mnist/train/1",');
    await fails(['--data-dir', dataDir, '--exclude', file], 1, /malformed\.json: invalid JSON/);
    const wrongType = join(work, 'numbers.json');
    writeFileSync(wrongType, JSON.stringify({ ids: [1, 2] }));
    await fails(
      ['--data-dir', dataDir, '--exclude', wrongType],
      1,
      /numbers\.json: field "ids"\[0\] must be a non-empty id string, got 1/,
    );
  });

  test('a missing forget file', async () => {
    await fails(
      ['--data-dir', dataDir, '--exclude', join(work, 'absent.json')],
      1,
      /absent\.json: cannot read: no such file/,
    );
  });

  test('bad flag values exit 2', async () => {
    // Independent runs that fail before reading data: started together to share the start-up wait.
    await Promise.all([
      fails(['--data-dir', dataDir, '--epochs', '0'], 2, /--epochs must be an integer in \[1, 10000\], got '0'/),
      fails(['--data-dir', dataDir, '--lr', '-1'], 2, /--lr must be a number in \(0, 10\], got '-1'/),
      fails(['--data-dir', dataDir, '--lr', 'fast'], 2, /--lr must be a number/),
      fails(
        ['--data-dir', dataDir, '--arch', 'vgg'],
        2,
        /--arch must be one of cnn, resnet18, resnet34, resnet50, mlp, got 'vgg'/,
      ),
      fails(['--data-dir', dataDir, '--bogus'], 2, /Unknown option '--bogus'/, /valid flags: .*--epochs/),
      fails(['--data-dir', dataDir, '--curriculum-epoch', '5'], 2, /--curriculum-epoch 5 is beyond --epochs 2/),
    ]);
  });

  test('a diverging run fails with one error line after its progress lines, and leaves no folder', async () => {
    const out = join(work, 'diverged');
    const result = await tmu([
      'train',
      '--data-dir',
      dataDir,
      '--arch',
      'mlp',
      '--epochs',
      '2',
      '--lr',
      '10',
      '--out',
      out,
    ]);
    assert.equal(result.status, 1);
    const lines = result.stderr.trimEnd().split('\n');
    assert.match(lines.pop()!, /^tmu train: train: the loss became NaN at epoch 1; lower the learning rate$/);
    for (const line of lines)
      assert.equal(typeof (JSON.parse(line) as { event: unknown }).event, 'string', 'the rest is JSON progress');
    assert.ok(!existsSync(out), 'no folder left behind');
  });

  test('--out is required', async () => {
    const result = await tmu(['train', '--data-dir', dataDir]);
    assert.equal(result.status, 2);
    assert.equal(result.stderr, 'tmu train: --out is required\n');
  });
});
