/**
 * MNIST-format datasets (MNIST, Fashion-MNIST): a folder of four IDX files, images and labels of the
 * train and test partitions.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { ImageDataset, type Partition } from './dataset.js';
import { DataFormatError, DataNotFoundError } from './errors.js';
import { readIdxFile } from './idx.js';

/** Fashion-MNIST class names in label order. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** MNIST class names (the digits) in label order. */
export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** File-name stem of each partition in the official distribution. */
const PREFIX: Record<Partition, string> = { train: 'train', test: 't10k' };

/**
 * Names a file may have, most usual first: the official gzip name, the same decompressed, and the
 * dotted variant some mirrors use (`train-images.idx3-ubyte`).
 *
 * @param partition - train or test
 * @param kind - images (idx3) or labels (idx1)
 */
export function mnistFileNames(partition: Partition, kind: 'images' | 'labels'): string[] {
  const stem = `${PREFIX[partition]}-${kind}`;
  const idx = kind === 'images' ? 'idx3-ubyte' : 'idx1-ubyte';
  return [`${stem}-${idx}.gz`, `${stem}-${idx}`, `${stem}.${idx}.gz`, `${stem}.${idx}`];
}

/**
 * Reads an images file and a labels file into a dataset, checking that they agree.
 *
 * @param imagesPath - IDX file of N images (3 dimensions)
 * @param labelsPath - IDX file of N labels (1 dimension)
 * @param name - dataset name (used in ids)
 * @param partition - train or test
 * @param classNames - class names; every label must index one
 * @throws DataFormatError naming the file for an invalid file, a wrong number of dimensions, counts
 *   that differ between the two files, or a label out of range (with its offset)
 */
export function readIdxPair(
  imagesPath: string,
  labelsPath: string,
  name: string,
  partition: Partition,
  classNames: readonly string[],
): ImageDataset {
  const images = readIdxFile(imagesPath, 3);
  if (images.dims.length !== 3) {
    throw new DataFormatError(
      imagesPath,
      `an images file has 3 dimensions (count, height, width), this one has ${images.dims.length}`,
      3,
    );
  }
  const labels = readIdxFile(labelsPath, 1);
  if (labels.dims.length !== 1) {
    throw new DataFormatError(labelsPath, `a labels file has 1 dimension, this one has ${labels.dims.length}`, 3);
  }
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataFormatError(labelsPath, `holds ${labels.dims[0]} labels but ${imagesPath} holds ${count} images`);
  }
  const labelArray = new Int32Array(count);
  const headerLength = 8;
  for (let i = 0; i < count; i++) {
    const label = labels.data[i];
    if (label >= classNames.length) {
      throw new DataFormatError(
        labelsPath,
        `label ${label} of entry ${i} is outside 0..${classNames.length - 1}`,
        headerLength + i,
      );
    }
    labelArray[i] = label;
  }
  return new ImageDataset({
    name,
    partition,
    images: images.data,
    labels: labelArray,
    channels: 1,
    height,
    width,
    classNames,
  });
}

/**
 * Loads both partitions of an MNIST-format dataset from a folder.
 *
 * @param dir - folder holding the four IDX files (gzip or raw)
 * @param name - dataset name (used in ids)
 * @param classNames - class names in label order
 * @param howToGet - what to tell the user when files are missing
 * @throws DataNotFoundError naming the missing files; DataFormatError for invalid ones
 */
export function loadMnistDir(
  dir: string,
  name: string,
  classNames: readonly string[],
  howToGet: string,
): { train: ImageDataset; test: ImageDataset } {
  if (!existsSync(dir)) throw new DataNotFoundError(dir, `no such folder: ${howToGet}`);
  const find = (partition: Partition, kind: 'images' | 'labels'): string => {
    const names = mnistFileNames(partition, kind);
    const found = names.map((file) => join(dir, file)).find((path) => existsSync(path));
    if (found === undefined)
      throw new DataNotFoundError(
        join(dir, names[0]),
        `missing (also looked for ${names.slice(1).join(', ')}): ${howToGet}`,
      );
    return found;
  };
  // Every file is located before any is read, so a missing one is reported before seconds of gunzip.
  const files = {
    train: { images: find('train', 'images'), labels: find('train', 'labels') },
    test: { images: find('test', 'images'), labels: find('test', 'labels') },
  };
  return {
    train: readIdxPair(files.train.images, files.train.labels, name, 'train', classNames),
    test: readIdxPair(files.test.images, files.test.labels, name, 'test', classNames),
  };
}
