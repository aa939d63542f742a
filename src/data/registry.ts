/**
 * The datasets tmu knows by name, where each is looked for, and the per-dataset defaults the training
 * recipe needs (normalisation statistics, whether to augment).
 *
 * @module
 */

import { existsSync } from 'node:fs';

import { loadCifarDir } from './cifarBinary.js';
import type { Dataset, ImageDataset } from './dataset.js';
import { DataNotFoundError } from './errors.js';
import { type ProgressCallback, readImageFolderRoot } from './imageFolder.js';
import { FASHION_MNIST_CLASSES, loadMnistDir, MNIST_CLASSES } from './mnistFormat.js';
import { type ChannelStats, computeChannelStats } from './stats.js';

/** Names accepted by {@link loadDataset}. */
export type DatasetName = 'fashion-mnist' | 'mnist' | 'cifar10' | 'cifar100' | 'cifar10-jpeg' | 'image-folder';

/** What tmu knows about a named dataset. */
export interface DatasetInfo {
  /** One line for `--help`. */
  description: string;
  /** Folder used when no `dataDir` is given (only where a package installs the data). */
  defaultDir?: string;
  /** How to obtain the data, for error messages. */
  howToGet: string;
  /**
   * Published per-channel statistics of the train set ([0, 1] units); absent where they are computed
   * from the train images at load time.
   */
  stats?: ChannelStats;
  /**
   * Whether training augments by default. Random crops and flips are the standard recipe for natural
   * colour images; flips would change what a digit is, so greyscale sets default to none.
   */
  augmentDefault: boolean;
}

/** The known datasets. */
export const DATASETS: Readonly<Record<DatasetName, DatasetInfo>> = {
  'fashion-mnist': {
    description: 'Fashion-MNIST: 28x28 greyscale garments, 10 classes, 60,000 train / 10,000 test (IDX files)',
    defaultDir: '/usr/share/datasets/fashion-mnist',
    howToGet:
      'install it with `apt-get install dataset-fashion-mnist`, or pass --data-dir pointing at a folder holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz',
    stats: { mean: [0.286], std: [0.353] },
    augmentDefault: false,
  },
  mnist: {
    description: 'MNIST: 28x28 greyscale digits, 10 classes, 60,000 train / 10,000 test (IDX files)',
    defaultDir: '/usr/share/datasets/mnist',
    howToGet:
      'pass --data-dir pointing at a folder holding the four MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; gzip or raw)',
    stats: { mean: [0.1307], std: [0.3081] },
    augmentDefault: false,
  },
  cifar10: {
    description: 'CIFAR-10, binary version: 32x32 colour, 10 classes, 50,000 train / 10,000 test',
    howToGet:
      'extract the binary version of CIFAR-10 (cifar-10-binary.tar.gz) and pass --data-dir pointing at the folder holding cifar-10-batches-bin/ (or its files)',
    stats: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
    augmentDefault: true,
  },
  cifar100: {
    description: 'CIFAR-100, binary version: 32x32 colour, 100 fine classes, 50,000 train / 10,000 test',
    howToGet:
      'extract the binary version of CIFAR-100 (cifar-100-binary.tar.gz) and pass --data-dir pointing at the folder holding cifar-100-binary/ (or train.bin and test.bin)',
    stats: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
    augmentDefault: true,
  },
  'cifar10-jpeg': {
    description: 'CIFAR-10 as a JPEG image folder (quality 75: pixels differ from the original CIFAR-10)',
    howToGet:
      'extract the archive (e.g. `mkdir -p data/cifar10-jpeg && tar xzf ../shared/datasets/cifar10-jpeg.tar.gz -C data/cifar10-jpeg`) and pass --data-dir pointing at the folder holding train/ and test/',
    augmentDefault: true,
  },
  'image-folder': {
    description: 'any folder holding train/<class>/*.png|jpg and test/<class>/*.png|jpg',
    howToGet:
      'pass --data-dir pointing at a folder holding train/ and test/, each with one sub-folder of PNG or JPEG images per class',
    augmentDefault: true,
  },
};

/** The dataset names, for `--help` and validation. */
export const DATASET_NAMES: readonly DatasetName[] = Object.keys(DATASETS) as DatasetName[];

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Folder of the data; defaults to the dataset's `defaultDir` where it has one. */
  dataDir?: string;
  /** Dataset name used in ids, for `image-folder` only (default `image-folder`). */
  name?: string;
  /** Channels of image-folder datasets (default: those of the first image). */
  channels?: 1 | 3;
  /** Progress of image decoding (image-folder datasets). */
  onProgress?: ProgressCallback;
}

/**
 * A loaded dataset with the defaults its training recipe needs: images from {@link loadDataset}, any
 * kind (`LoadedDataset<Dataset>`) where a model's data is loaded.
 */
export interface LoadedDataset<D extends Dataset = ImageDataset> {
  /** The train partition (split later into member and holdout sets). */
  train: D;
  /** The test partition. */
  test: D;
  /** Per-channel normalisation statistics of images, in [0, 1] units (`{mean: [0], std: [1]}` for feature vectors). */
  stats: ChannelStats;
  /** Whether training augments by default. */
  augmentDefault: boolean;
}

/**
 * Loads a dataset by name.
 *
 * @param name - one of {@link DATASET_NAMES}
 * @param options - data folder and image-folder options
 * @returns both partitions, normalisation statistics and the augmentation default
 * @throws RangeError for an unknown name; DataNotFoundError naming the missing folder or file (the
 *   dataset name when no folder is known) and how to get it; DataFormatError for invalid files
 */
export function loadDataset(name: string, options: LoadDatasetOptions = {}): LoadedDataset {
  if (!Object.hasOwn(DATASETS, name)) {
    throw new RangeError(`unknown dataset ${JSON.stringify(name)}: expected one of ${DATASET_NAMES.join(', ')}`);
  }
  const datasetName = name as DatasetName;
  const info = DATASETS[datasetName];
  const dir = options.dataDir ?? info.defaultDir;
  if (dir === undefined) throw new DataNotFoundError(name, `no data folder given: ${info.howToGet}`);
  if (!existsSync(dir)) {
    throw new DataNotFoundError(
      dir,
      `${options.dataDir === undefined ? `no such folder (the default for ${name})` : 'no such folder'}: ${info.howToGet}`,
    );
  }
  let parts: { train: ImageDataset; test: ImageDataset };
  switch (datasetName) {
    case 'fashion-mnist':
      parts = loadMnistDir(dir, datasetName, FASHION_MNIST_CLASSES, info.howToGet);
      break;
    case 'mnist':
      parts = loadMnistDir(dir, datasetName, MNIST_CLASSES, info.howToGet);
      break;
    case 'cifar10':
    case 'cifar100':
      parts = loadCifarDir(dir, datasetName);
      break;
    case 'cifar10-jpeg':
    case 'image-folder': {
      const folderOptions = {
        name: datasetName === 'image-folder' ? (options.name ?? 'image-folder') : datasetName,
        ...(options.channels === undefined ? {} : { channels: options.channels }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      };
      parts = readImageFolderRoot(dir, folderOptions);
      break;
    }
  }
  // An image folder's statistics are whatever its train images hold; published constants would be
  // wrong for a lossy copy (cifar10-jpeg) and do not exist for a user's folder.
  const stats = info.stats ?? computeChannelStats(parts.train);
  // A constant channel (std 0) would make normalisation divide by zero: it is only centred instead.
  const std = stats.std.map((s) => (s > 0 ? s : 1));
  const augmentDefault = datasetName === 'image-folder' ? parts.train.channels === 3 : info.augmentDefault;
  return { train: parts.train, test: parts.test, stats: { mean: [...stats.mean], std }, augmentDefault };
}
