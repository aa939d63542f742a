import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

import { DataFormatError } from '../../src/data/errors.js';
import { listImageFolder, readImageFolder, readImageFolderRoot } from '../../src/data/imageFolder.js';
import { tempDir } from './support.js';

type Rgba = [number, number, number, number];
type PixelFn = (x: number, y: number) => Rgba;

const root = tempDir('tmu-imgfolder-');

/** Writes a PNG; grey ones are stored as colour type 0 (so the reader sees a greyscale PNG). */
function writePng(path: string, width: number, height: number, pixel: PixelFn, grey = false): void {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) png.data.set(pixel(x, y), 4 * (y * width + x));
  }
  writeFileSync(path, PNG.sync.write(png, grey ? { colorType: 0 } : { colorType: 6 }));
}

/** Writes a JPEG at quality 100. */
function writeJpeg(path: string, width: number, height: number, pixel: PixelFn): void {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), 4 * (y * width + x));
  }
  writeFileSync(path, encodeJpeg({ width, height, data }, 100).data);
}

/** Makes `dir/<class>/` folders. */
function classDirs(dir: string, ...classes: string[]): void {
  for (const c of classes) mkdirSync(join(dir, c), { recursive: true });
}

/** Catches the error thrown by fn. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

test('classes are sorted by name into labels and files sorted by name within a class; other files are ignored', () => {
  const dir = join(root, 'order');
  classDirs(dir, 'zebra', 'ant', '.hidden');
  writePng(join(dir, 'zebra', '2.png'), 2, 2, () => [20, 20, 20, 255], true);
  writePng(join(dir, 'zebra', '10.png'), 2, 2, () => [10, 10, 10, 255], true);
  writePng(join(dir, 'ant', 'a.PNG'), 2, 2, () => [1, 1, 1, 255], true);
  writePng(join(dir, '.hidden', 'x.png'), 2, 2, () => [0, 0, 0, 255]);
  writeFileSync(join(dir, 'ant', 'notes.txt'), 'not an image');
  writeFileSync(join(dir, 'ant', '.DS_Store'), 'junk');
  writeFileSync(join(dir, 'README'), 'a file, not a class');
  const listing = listImageFolder(dir);
  assert.deepEqual(listing.classNames, ['ant', 'zebra']);
  assert.deepEqual(
    listing.files.map((f) => f.slice(dir.length + 1)),
    ['ant/a.PNG', 'zebra/10.png', 'zebra/2.png'],
  );
  const ds = readImageFolder(dir, 'train', { name: 'toy' });
  assert.deepEqual(Array.from(ds.labels), [0, 1, 1]);
  assert.deepEqual(ds.ids, ['toy/train/0', 'toy/train/1', 'toy/train/2']);
  assert.deepEqual(Array.from(ds.imageAt(1)), [10, 10, 10, 10]);
});

test('RGB PNGs are stored as CHW planes with the alpha channel dropped', () => {
  const dir = join(root, 'rgb');
  classDirs(dir, 'c');
  // pixel (x, y) = (r, g, b) = (x, 10 + y, 100 + x + 2y), alpha varying to show it is ignored
  writePng(join(dir, 'c', 'img.png'), 3, 2, (x, y) => [x, 10 + y, 100 + x + 2 * y, 50 * x]);
  const ds = readImageFolder(dir, 'train');
  assert.deepEqual([ds.channels, ds.height, ds.width], [3, 2, 3]);
  assert.deepEqual(Array.from(ds.imageAt(0)), [0, 1, 2, 0, 1, 2, 10, 10, 10, 11, 11, 11, 100, 101, 102, 102, 103, 104]);
});

test('greyscale PNGs give one channel by default and three identical planes when asked for RGB', () => {
  const dir = join(root, 'grey');
  classDirs(dir, 'c');
  writePng(join(dir, 'c', 'g.png'), 2, 2, (x, y) => [x + 2 * y, x + 2 * y, x + 2 * y, 255], true);
  const grey = readImageFolder(dir, 'train');
  assert.equal(grey.channels, 1);
  assert.deepEqual(Array.from(grey.imageAt(0)), [0, 1, 2, 3]);
  const rgb = readImageFolder(dir, 'train', { channels: 3 });
  assert.equal(rgb.channels, 3);
  assert.deepEqual(Array.from(rgb.imageAt(0)), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
});

test('RGB images asked for as one channel are converted with PIL luma (pure red gives 76)', () => {
  const dir = join(root, 'luma');
  classDirs(dir, 'c');
  writePng(
    join(dir, 'c', 'rgb.png'),
    4,
    1,
    (x) =>
      (
        [
          [255, 0, 0, 255],
          [0, 255, 0, 255],
          [0, 0, 255, 255],
          [255, 255, 255, 255],
        ] as Rgba[]
      )[x],
  );
  const ds = readImageFolder(dir, 'train', { channels: 1 });
  assert.deepEqual(Array.from(ds.imageAt(0)), [76, 150, 29, 255]);
});

test('JPEG images decode to RGB close to the encoded colours, whatever the extension says', () => {
  const dir = join(root, 'jpeg');
  classDirs(dir, 'red', 'blue');
  writeJpeg(join(dir, 'red', '0.jpg'), 8, 8, () => [200, 30, 40, 255]);
  writeJpeg(join(dir, 'blue', '0.jpeg'), 8, 8, () => [20, 40, 220, 255]);
  // a JPEG stored under a .png name is still read as a JPEG: the format comes from the content
  writeFileSync(join(dir, 'blue', '1.png'), readFileSync(join(dir, 'blue', '0.jpeg')));
  const ds = readImageFolder(dir, 'train');
  assert.equal(ds.channels, 3);
  assert.deepEqual(Array.from(ds.labels), [0, 0, 1]);
  const close = (image: Uint8Array, rgb: number[]): void => {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 64; p++)
        assert.ok(Math.abs(image[c * 64 + p] - rgb[c]) <= 3, `channel ${c}: ${image[c * 64 + p]} vs ${rgb[c]}`);
    }
  };
  close(ds.imageAt(0), [20, 40, 220]);
  close(ds.imageAt(2), [200, 30, 40]);
});

test('a file that is neither PNG nor JPEG is rejected naming it', () => {
  const dir = join(root, 'garbage');
  classDirs(dir, 'c');
  writePng(join(dir, 'c', '0.png'), 2, 2, () => [1, 2, 3, 255]);
  writeFileSync(join(dir, 'c', '1.png'), 'definitely not an image');
  const err = thrown(() => readImageFolder(dir, 'train'));
  assert.ok(err instanceof DataFormatError);
  assert.equal(err.file, join(dir, 'c', '1.png'));
  assert.match(err.message, /not a PNG or JPEG image/);
});

test('a truncated PNG is an undecodable image naming the file', () => {
  const dir = join(root, 'badpng');
  classDirs(dir, 'c');
  writePng(join(dir, 'c', '0.png'), 8, 8, () => [1, 2, 3, 255]);
  const bytes = readFileSync(join(dir, 'c', '0.png'));
  writeFileSync(join(dir, 'c', '1.png'), bytes.subarray(0, bytes.length - 30));
  const err = thrown(() => readImageFolder(dir, 'train'));
  assert.ok(err instanceof DataFormatError);
  assert.equal(err.file, join(dir, 'c', '1.png'));
  assert.match(err.message, /cannot decode PNG image/);
});

test('a truncated JPEG is an undecodable image naming the file (decoding is strict)', () => {
  const dir = join(root, 'badjpeg');
  classDirs(dir, 'c');
  writeJpeg(join(dir, 'c', '0.jpg'), 16, 16, (x, y) => [x * 16, y * 16, 128, 255]);
  const bytes = readFileSync(join(dir, 'c', '0.jpg'));
  writeFileSync(join(dir, 'c', '1.jpg'), bytes.subarray(0, Math.floor(bytes.length / 2)));
  const err = thrown(() => readImageFolder(dir, 'train'));
  assert.ok(err instanceof DataFormatError);
  assert.equal(err.file, join(dir, 'c', '1.jpg'));
  assert.match(err.message, /cannot decode JPEG image/);
});

test('an image of another size is rejected naming the file and both sizes', () => {
  const dir = join(root, 'sizes');
  classDirs(dir, 'a', 'b');
  writePng(join(dir, 'a', '0.png'), 4, 3, () => [1, 2, 3, 255]);
  writeJpeg(join(dir, 'b', '0.jpg'), 5, 3, () => [1, 2, 3, 255]);
  const err = thrown(() => readImageFolder(dir, 'train'));
  assert.ok(err instanceof DataFormatError);
  assert.equal(err.file, join(dir, 'b', '0.jpg'));
  assert.match(err.message, /image is 5x3 but .*a\/0\.png \(the first image\) is 4x3/);
});

test('a folder without class folders, or a class folder without images, is rejected', () => {
  const empty = join(root, 'noclasses');
  mkdirSync(empty);
  const err = thrown(() => readImageFolder(empty, 'train'));
  assert.ok(err instanceof DataFormatError);
  assert.match(err.message, /no class folders/);
  const dir = join(root, 'emptyclass');
  classDirs(dir, 'a', 'b');
  writePng(join(dir, 'a', '0.png'), 2, 2, () => [1, 2, 3, 255]);
  const err2 = thrown(() => readImageFolder(dir, 'train'));
  assert.ok(err2 instanceof DataFormatError);
  assert.equal(err2.file, join(dir, 'b'));
  assert.match(err2.message, /class folder has no/);
  const missing = thrown(() => readImageFolder(join(root, 'nope'), 'train'));
  assert.ok(missing instanceof DataFormatError);
  assert.match(missing.message, /no such folder/);
});

test('a root with train/ and test/ loads both, reporting progress up to the total of both', () => {
  const dir = join(root, 'split-root');
  classDirs(join(dir, 'train'), 'cat', 'dog');
  classDirs(join(dir, 'test'), 'cat', 'dog');
  for (let i = 0; i < 3; i++) {
    writePng(join(dir, 'train', 'cat', `${i}.png`), 2, 2, () => [i, i, i, 255], true);
    writePng(join(dir, 'train', 'dog', `${i}.png`), 2, 2, () => [9, 9, 9, 255], true);
  }
  // test images in colour: converted to the train partition's single channel
  writePng(join(dir, 'test', 'cat', '0.png'), 2, 2, () => [255, 0, 0, 255]);
  writePng(join(dir, 'test', 'dog', '0.png'), 2, 2, () => [5, 5, 5, 255]);
  const calls: [number, number][] = [];
  const { train, test: testPart } = readImageFolderRoot(dir, {
    name: 'pets',
    onProgress: (done, total) => calls.push([done, total]),
  });
  assert.equal(train.size, 6);
  assert.equal(testPart.size, 2);
  assert.equal(testPart.channels, 1);
  assert.deepEqual(Array.from(testPart.imageAt(0)), [76, 76, 76, 76]);
  assert.deepEqual(testPart.ids, ['pets/test/0', 'pets/test/1']);
  assert.deepEqual(calls.at(-1), [8, 8]);
  for (let k = 1; k < calls.length; k++) assert.ok(calls[k][0] > calls[k - 1][0], 'progress only moves forward');
});

test('a root whose train/ and test/ have different classes is rejected naming the difference', () => {
  const dir = join(root, 'mismatch');
  classDirs(join(dir, 'train'), 'cat', 'dog');
  classDirs(join(dir, 'test'), 'cat', 'emu');
  for (const [part, cls] of [
    ['train', 'cat'],
    ['train', 'dog'],
    ['test', 'cat'],
    ['test', 'emu'],
  ]) {
    writePng(join(dir, part, cls, '0.png'), 2, 2, () => [1, 1, 1, 255]);
  }
  const err = thrown(() => readImageFolderRoot(dir));
  assert.ok(err instanceof DataFormatError);
  assert.match(err.message, /only in train: dog; only in test: emu/);
  const noTest = join(root, 'notest');
  classDirs(join(noTest, 'train'), 'cat');
  const err2 = thrown(() => readImageFolderRoot(noTest));
  assert.ok(err2 instanceof DataFormatError);
  assert.match(err2.message, /missing test\//);
});

test('test images of another size than the train images are rejected', () => {
  const dir = join(root, 'test-size');
  classDirs(join(dir, 'train'), 'a');
  classDirs(join(dir, 'test'), 'a');
  writePng(join(dir, 'train', 'a', '0.png'), 2, 2, () => [1, 1, 1, 255]);
  writePng(join(dir, 'test', 'a', '0.png'), 3, 3, () => [1, 1, 1, 255]);
  const err = thrown(() => readImageFolderRoot(dir));
  assert.ok(err instanceof DataFormatError);
  assert.match(err.message, /image is 3x3 but the train images are 2x2/);
});
