/**
 * Reader for the binary versions of CIFAR-10 and CIFAR-100 (`cifar-10-binary.tar.gz`,
 * `cifar-100-binary.tar.gz`).
 *
 * A batch file is a sequence of fixed-size records: the label byte(s), then 3072 pixel bytes, the 1024
 * red values, then green, then blue, each plane row-major: already the CHW order the rest of tmu uses,
 * so records are copied as they are.
 *
 * @module
 */

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { ImageDataset } from './dataset.js';
import { DataFormatError } from './errors.js';
import { readBytes } from './files.js';

/** Which CIFAR dataset a batch file belongs to. */
export type CifarVariant = 'cifar10' | 'cifar100';

/** Side of a CIFAR image. */
const SIDE = 32;
/** Pixel bytes per record: 3 planes of 32x32. */
const PIXELS = 3 * SIDE * SIDE;

/** CIFAR-10 class names in label order (as in `batches.meta.txt`). */
export const CIFAR10_CLASSES: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** CIFAR-100 coarse (superclass) names in label order (as in `coarse_label_names.txt`). */
export const CIFAR100_COARSE_CLASSES: readonly string[] = [
  'aquatic_mammals',
  'fish',
  'flowers',
  'food_containers',
  'fruit_and_vegetables',
  'household_electrical_devices',
  'household_furniture',
  'insects',
  'large_carnivores',
  'large_man-made_outdoor_things',
  'large_natural_outdoor_scenes',
  'large_omnivores_and_herbivores',
  'medium_mammals',
  'non-insect_invertebrates',
  'people',
  'reptiles',
  'small_mammals',
  'trees',
  'vehicles_1',
  'vehicles_2',
];

/** CIFAR-100 fine class names in label order (as in `fine_label_names.txt`). */
export const CIFAR100_CLASSES: readonly string[] = [
  'apple',
  'aquarium_fish',
  'baby',
  'bear',
  'beaver',
  'bed',
  'bee',
  'beetle',
  'bicycle',
  'bottle',
  'bowl',
  'boy',
  'bridge',
  'bus',
  'butterfly',
  'camel',
  'can',
  'castle',
  'caterpillar',
  'cattle',
  'chair',
  'chimpanzee',
  'clock',
  'cloud',
  'cockroach',
  'couch',
  'crab',
  'crocodile',
  'cup',
  'dinosaur',
  'dolphin',
  'elephant',
  'flatfish',
  'forest',
  'fox',
  'girl',
  'hamster',
  'house',
  'kangaroo',
  'keyboard',
  'lamp',
  'lawn_mower',
  'leopard',
  'lion',
  'lizard',
  'lobster',
  'man',
  'maple_tree',
  'motorcycle',
  'mountain',
  'mouse',
  'mushroom',
  'oak_tree',
  'orange',
  'orchid',
  'otter',
  'palm_tree',
  'pear',
  'pickup_truck',
  'pine_tree',
  'plain',
  'plate',
  'poppy',
  'porcupine',
  'possum',
  'rabbit',
  'raccoon',
  'ray',
  'road',
  'rocket',
  'rose',
  'sea',
  'seal',
  'shark',
  'shrew',
  'skunk',
  'skyscraper',
  'snail',
  'snake',
  'spider',
  'squirrel',
  'streetcar',
  'sunflower',
  'sweet_pepper',
  'table',
  'tank',
  'telephone',
  'television',
  'tiger',
  'tractor',
  'train',
  'trout',
  'tulip',
  'turtle',
  'wardrobe',
  'whale',
  'willow_tree',
  'wolf',
  'woman',
  'worm',
];

/** Record geometry of each variant. */
const LAYOUT: Record<
  CifarVariant,
  { labelBytes: number; classes: readonly string[]; subdir: string; train: string[]; test: string[] }
> = {
  cifar10: {
    labelBytes: 1,
    classes: CIFAR10_CLASSES,
    subdir: 'cifar-10-batches-bin',
    train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
    test: ['test_batch.bin'],
  },
  cifar100: {
    labelBytes: 2,
    classes: CIFAR100_CLASSES,
    subdir: 'cifar-100-binary',
    train: ['train.bin'],
    test: ['test.bin'],
  },
};

/**
 * Bytes per record of a variant: the label byte(s) plus 3072 pixels.
 *
 * @param variant - `cifar10` (1 label byte) or `cifar100` (coarse and fine label bytes)
 */
export function cifarRecordSize(variant: CifarVariant): number {
  return LAYOUT[variant].labelBytes + PIXELS;
}

/** Pixels and labels read from CIFAR batch files. */
export interface CifarRecords {
  /** N*3*32*32 bytes, CHW per image. */
  images: Uint8Array;
  /** Class per image (the fine label for CIFAR-100). */
  labels: Int32Array;
}

/**
 * Reads one or more CIFAR batch files, concatenated in the given order.
 *
 * @param paths - batch files
 * @param variant - which CIFAR the files belong to
 * @returns pixels (CHW) and labels of every record
 * @throws DataFormatError when a file is unreadable, empty, not a whole number of records, or holds a
 *   label out of range (naming the file, the record and its offset)
 */
export function readCifarBatches(paths: readonly string[], variant: CifarVariant): CifarRecords {
  const recordSize = cifarRecordSize(variant);
  // Sizing from stat first lets every record be copied straight into one final buffer, instead of
  // holding all batches and concatenating (twice the memory for CIFAR-10's five files).
  let total = 0;
  const counts = paths.map((path) => {
    const length = fileLength(path);
    checkLength(path, length, recordSize);
    total += length / recordSize;
    return length / recordSize;
  });
  const images = new Uint8Array(total * PIXELS);
  const labels = new Int32Array(total);
  let at = 0;
  paths.forEach((path, f) => {
    const bytes = readBytes(path);
    // The file may have changed between stat and read; the record count must come from what was read.
    checkLength(path, bytes.length, recordSize);
    if (bytes.length / recordSize !== counts[f]) {
      throw new DataFormatError(
        path,
        `file changed while being read (${counts[f]} records, then ${bytes.length / recordSize})`,
      );
    }
    at = parseRecords(bytes, path, variant, images, labels, at);
  });
  return { images, labels };
}

/**
 * Reads a single CIFAR batch file.
 *
 * @param path - the batch file
 * @param variant - which CIFAR the file belongs to
 * @returns pixels (CHW) and labels of every record
 * @throws DataFormatError as {@link readCifarBatches}
 */
export function readCifarBatch(path: string, variant: CifarVariant): CifarRecords {
  return readCifarBatches([path], variant);
}

/**
 * Loads CIFAR-10 or CIFAR-100 from a directory in the layout of the official binary archives: the
 * archive's own folder (`cifar-10-batches-bin/`, `cifar-100-binary/`) inside `dir`, or its files
 * directly in `dir`.
 *
 * @param dir - the directory
 * @param variant - `cifar10` (`data_batch_1.bin`..`data_batch_5.bin`, `test_batch.bin`) or `cifar100`
 *   (`train.bin`, `test.bin`, fine labels)
 * @param name - dataset name used in ids; defaults to the variant
 * @returns the train and test partitions
 * @throws DataFormatError when files are missing (naming the expected files) or invalid
 */
export function loadCifarDir(
  dir: string,
  variant: CifarVariant,
  name: string = variant,
): { train: ImageDataset; test: ImageDataset } {
  const layout = LAYOUT[variant];
  const nested = join(dir, layout.subdir);
  const root = existsSync(join(nested, layout.train[0])) ? nested : dir;
  const missing = [...layout.train, ...layout.test].filter((file) => !existsSync(join(root, file)));
  if (missing.length > 0) {
    const archive = variant === 'cifar10' ? 'cifar-10-binary.tar.gz' : 'cifar-100-binary.tar.gz';
    throw new DataFormatError(
      root,
      `missing ${missing.join(', ')}: expected the files of the binary version (${archive}), extracted here or in ${layout.subdir}/`,
    );
  }
  const make = (partition: 'train' | 'test', files: string[]): ImageDataset => {
    const { images, labels } = readCifarBatches(
      files.map((file) => join(root, file)),
      variant,
    );
    return new ImageDataset({
      name,
      partition,
      images,
      labels,
      channels: 3,
      height: SIDE,
      width: SIDE,
      classNames: layout.classes,
    });
  };
  return { train: make('train', layout.train), test: make('test', layout.test) };
}

/** Size of a file, with the error naming it when it cannot be read. */
function fileLength(path: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new DataFormatError(path, 'not a regular file');
    return stat.size;
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFormatError(
      path,
      `cannot read: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      undefined,
      { cause: err },
    );
  }
}

/** Rejects an empty file or one that is not a whole number of records. */
function checkLength(path: string, length: number, recordSize: number): void {
  if (length === 0) throw new DataFormatError(path, `empty file: a CIFAR batch holds records of ${recordSize} bytes`);
  if (length % recordSize !== 0) {
    const whole = Math.floor(length / recordSize);
    throw new DataFormatError(
      path,
      `length ${length} bytes is not a multiple of the ${recordSize}-byte record size (${whole} whole records, ${length - whole * recordSize} bytes left over)`,
      whole * recordSize,
    );
  }
}

/** Copies the records of one file into the output arrays from record `at`; returns the next free record. */
function parseRecords(
  bytes: Uint8Array,
  path: string,
  variant: CifarVariant,
  images: Uint8Array,
  labels: Int32Array,
  at: number,
): number {
  const { labelBytes, classes } = LAYOUT[variant];
  const recordSize = labelBytes + PIXELS;
  const count = bytes.length / recordSize;
  for (let r = 0; r < count; r++) {
    const offset = r * recordSize;
    if (labelBytes === 2) {
      const coarse = bytes[offset];
      if (coarse >= CIFAR100_COARSE_CLASSES.length) {
        throw new DataFormatError(
          path,
          `record ${r}: coarse label ${coarse} is outside 0..${CIFAR100_COARSE_CLASSES.length - 1}`,
          offset,
        );
      }
    }
    const label = bytes[offset + labelBytes - 1];
    if (label >= classes.length) {
      throw new DataFormatError(
        path,
        `record ${r}: label ${label} is outside 0..${classes.length - 1}`,
        offset + labelBytes - 1,
      );
    }
    labels[at + r] = label;
    images.set(bytes.subarray(offset + labelBytes, offset + recordSize), (at + r) * PIXELS);
  }
  return at + count;
}
