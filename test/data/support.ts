/**
 * Helpers shared by the data-layer tests: temporary folders, IDX encoding, small synthetic datasets.
 *
 * @module
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

import { ImageDataset, type Partition } from '../../src/data/dataset.js';

/** Folder of the real Fashion-MNIST files installed by Debian's dataset-fashion-mnist. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * Creates a temporary folder removed when the test file finishes.
 *
 * @param prefix - name prefix, to tell folders apart when debugging
 */
export function tempDir(prefix = 'tmu-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Encodes an IDX file of unsigned bytes.
 *
 * @param dims - dimensions
 * @param data - elements (must hold the product of dims, unless a test wants a bad file)
 */
export function idxBytes(dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

/**
 * A small synthetic dataset: `perClass` samples of each of `classes` classes, interleaved (label
 * i % classes), pixel values derived from the index so that samples differ.
 */
export function syntheticDataset(options: {
  name?: string;
  partition?: Partition;
  classes?: number;
  perClass?: number;
  channels?: number;
  height?: number;
  width?: number;
}): ImageDataset {
  const {
    name = 'synth',
    partition = 'train',
    classes = 3,
    perClass = 10,
    channels = 1,
    height = 4,
    width = 4,
  } = options;
  const n = classes * perClass;
  const size = channels * height * width;
  const images = new Uint8Array(n * size);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37 + Math.floor(i / size) * 11) % 256;
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const classNames = Array.from({ length: classes }, (_, c) => `class${c}`);
  return new ImageDataset({ name, partition, images, labels, channels, height, width, classNames });
}
