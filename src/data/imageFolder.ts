/**
 * Reader for a folder of images with one sub-folder per class (torchvision's `ImageFolder` layout):
 * `root/<class>/<file>.png|.jpg|.jpeg`.
 *
 * Class names in JavaScript's default sort order (UTF-16 code units, independent of the locale) give
 * the label order, and file names in the same order within a class give the sample order, so labels
 * and ids are the same on every machine the folder is copied to. Hidden entries (starting with
 * `.`) and files without an image extension are ignored. The format is detected from the content,
 * not the extension.
 *
 * Colour handling follows PIL's `convert`: alpha is dropped, grey is replicated to RGB, and RGB is
 * reduced to grey with ITU-R 601-2 luma (PIL's integer formula), so images converted here match what a
 * PyTorch pipeline would see.
 *
 * @module
 */

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

import { ImageDataset, type Partition } from './dataset.js';
import { DataFormatError } from './errors.js';
import { readBytes } from './files.js';

/** Extensions of the files a class folder is scanned for (lower case). */
const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** Called while images decode: `done` of `total` files. */
export type ProgressCallback = (done: number, total: number) => void;

/** Options of the image folder readers. */
export interface ImageFolderOptions {
  /** Dataset name used in ids (default `image-folder`). */
  name?: string;
  /** Channels to produce: 1 (grey) or 3 (RGB); by default those of the first image. */
  channels?: 1 | 3;
  /**
   * Progress callback, called synchronously after roughly every 1% of the files and once at the end.
   * Decoding tens of thousands of JPEGs in JavaScript takes seconds, hence the feedback.
   */
  onProgress?: ProgressCallback;
}

/** The files of one image folder, before decoding. */
export interface ImageFolderListing {
  /** The folder. */
  dir: string;
  /** Class names in label order. */
  classNames: string[];
  /** Image files in sample order. */
  files: string[];
  /** Label of each file. */
  labels: Int32Array;
}

/** One decoded image, pixels interleaved (HWC). */
interface DecodedImage {
  width: number;
  height: number;
  /** Bytes per pixel in `data` (3 or 4). */
  stride: number;
  /** Whether the image is greyscale (all channels of a pixel equal). */
  grey: boolean;
  data: Uint8Array;
}

/**
 * Lists the classes and image files of an image folder without decoding anything.
 *
 * @param dir - folder with one sub-folder per class
 * @returns class names, files and labels in a stable order
 * @throws DataFormatError when the folder is missing, has no class folder, or a class folder has no image
 */
export function listImageFolder(dir: string): ImageFolderListing {
  const classNames = entries(dir)
    .filter((entry) => !entry.startsWith('.') && isDirectory(join(dir, entry)))
    .sort();
  if (classNames.length === 0)
    throw new DataFormatError(dir, 'no class folders: expected one sub-folder of images per class');
  const files: string[] = [];
  const labels: number[] = [];
  classNames.forEach((className, label) => {
    const classDir = join(dir, className);
    const images = entries(classDir)
      .filter((entry) => !entry.startsWith('.') && IMAGE_EXTENSIONS.some((ext) => entry.toLowerCase().endsWith(ext)))
      .sort();
    if (images.length === 0)
      throw new DataFormatError(classDir, `class folder has no ${IMAGE_EXTENSIONS.join('/')} file`);
    for (const image of images) {
      files.push(join(classDir, image));
      labels.push(label);
    }
  });
  return { dir, classNames, files, labels: Int32Array.from(labels) };
}

/**
 * Reads an image folder into a dataset.
 *
 * @param dir - folder with one sub-folder per class
 * @param partition - the partition the folder holds (used in ids)
 * @param options - name, channels, progress
 * @returns the dataset, ids `${name}/${partition}/${i}` with i the position in sorted (class, file) order
 * @throws DataFormatError naming the file when an image cannot be decoded or its size differs from the first
 */
export function readImageFolder(dir: string, partition: Partition, options: ImageFolderOptions = {}): ImageDataset {
  const listing = listImageFolder(dir);
  const progress = progressReporter(listing.files.length, options.onProgress);
  return decodeListing(listing, partition, options.name ?? 'image-folder', options.channels, undefined, progress);
}

/**
 * Reads a root holding `train/` and `test/` image folders (the layout of the CIFAR-10 JPEG archive once
 * extracted). Both must have the same classes; the test images are converted to the train images'
 * channels and must have their size.
 *
 * @param root - folder holding `train/` and `test/`
 * @param options - name, channels, progress (counting the files of both partitions)
 * @returns the train and test datasets
 * @throws DataFormatError when a folder is missing, the class lists differ, or an image is invalid
 */
export function readImageFolderRoot(
  root: string,
  options: ImageFolderOptions = {},
): { train: ImageDataset; test: ImageDataset } {
  const missing = ['train', 'test'].filter((part) => !isDirectory(join(root, part)));
  if (missing.length > 0) {
    throw new DataFormatError(
      root,
      `missing ${missing.map((part) => `${part}/`).join(' and ')}: expected a train/ and a test/ image folder`,
    );
  }
  const trainListing = listImageFolder(join(root, 'train'));
  const testListing = listImageFolder(join(root, 'test'));
  if (trainListing.classNames.join('\n') !== testListing.classNames.join('\n')) {
    const onlyTrain = trainListing.classNames.filter((c) => !testListing.classNames.includes(c));
    const onlyTest = testListing.classNames.filter((c) => !trainListing.classNames.includes(c));
    throw new DataFormatError(
      root,
      `train/ and test/ have different classes (only in train: ${onlyTrain.join(', ') || 'none'}; only in test: ${onlyTest.join(', ') || 'none'})`,
    );
  }
  const name = options.name ?? 'image-folder';
  const progress = progressReporter(trainListing.files.length + testListing.files.length, options.onProgress);
  const train = decodeListing(trainListing, 'train', name, options.channels, undefined, progress);
  const test = decodeListing(testListing, 'test', name, train.channels as 1 | 3, train, progress);
  return { train, test };
}

/**
 * Decodes a PNG or JPEG file (format detected from the content) into interleaved pixels.
 *
 * @param path - the file, for error messages
 * @param bytes - its content
 * @throws DataFormatError naming the file when it is neither format or cannot be decoded
 */
function decodeImage(path: string, bytes: Uint8Array): DecodedImage {
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  try {
    if (isPng) {
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const png = PNG.sync.read(buffer);
      return { width: png.width, height: png.height, stride: 4, grey: !png.color, data: png.data };
    }
    if (isJpeg) {
      const components = jpegComponentCount(bytes);
      // Strict decoding: a truncated JPEG in a dataset is corruption to report, not an image to pad.
      const image = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false });
      return { width: image.width, height: image.height, stride: 3, grey: components === 1, data: image.data };
    }
  } catch (err) {
    throw new DataFormatError(
      path,
      `cannot decode ${isPng ? 'PNG' : 'JPEG'} image: ${(err as Error).message}`,
      undefined,
      { cause: err },
    );
  }
  throw new DataFormatError(path, 'not a PNG or JPEG image (unrecognised signature)', 0);
}

/**
 * Number of colour components a JPEG declares in its start-of-frame segment (1 for greyscale), or 0
 * when no frame header is found. jpeg-js always returns RGB, so this is how a grey JPEG is recognised.
 */
function jpegComponentCount(bytes: Uint8Array): number {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return 0;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length field
      continue;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return at + 9 < bytes.length ? bytes[at + 9] : 0;
    if (marker === 0xda) return 0; // start of scan before any frame header
    at += 2 + length;
  }
  return 0;
}

/**
 * Decodes every file of a listing into one preallocated buffer (sized from the first image, so the
 * whole read is linear in the number of images).
 *
 * @param reference - when given, images must have its size (the test partition must match train)
 */
function decodeListing(
  listing: ImageFolderListing,
  partition: Partition,
  name: string,
  channels: 1 | 3 | undefined,
  reference: ImageDataset | undefined,
  progress: () => void,
): ImageDataset {
  const { files, labels } = listing;
  const first = decodeImage(files[0], readBytes(files[0]));
  const width = first.width;
  const height = first.height;
  if (reference && (reference.width !== width || reference.height !== height)) {
    throw new DataFormatError(
      files[0],
      `image is ${width}x${height} but the train images are ${reference.width}x${reference.height}`,
    );
  }
  const c = channels ?? (first.grey ? 1 : 3);
  const planeSize = width * height;
  const imageSize = c * planeSize;
  const images = new Uint8Array(files.length * imageSize);
  for (let i = 0; i < files.length; i++) {
    const image = i === 0 ? first : decodeImage(files[i], readBytes(files[i]));
    if (image.width !== width || image.height !== height) {
      throw new DataFormatError(
        files[i],
        `image is ${image.width}x${image.height} but ${files[0]} (the first image) is ${width}x${height}: all images must have the same size`,
      );
    }
    toPlanar(image, c, images, i * imageSize);
    progress();
  }
  return new ImageDataset({
    name,
    partition,
    images,
    labels,
    channels: c,
    height,
    width,
    classNames: listing.classNames,
  });
}

/**
 * Writes interleaved pixels into CHW planes of `channels` channels at `offset`, converting colour
 * as PIL does (drop alpha, replicate grey, luma for RGB to grey).
 */
function toPlanar(image: DecodedImage, channels: 1 | 3, out: Uint8Array, offset: number): void {
  const { data, stride } = image;
  const n = image.width * image.height;
  if (channels === 3) {
    const g = offset + n;
    const b = offset + 2 * n;
    for (let p = 0, s = 0; p < n; p++, s += stride) {
      out[offset + p] = data[s];
      out[g + p] = data[s + 1];
      out[b + p] = data[s + 2];
    }
  } else if (image.grey) {
    for (let p = 0, s = 0; p < n; p++, s += stride) out[offset + p] = data[s];
  } else {
    // PIL's L = R*299/1000 + G*587/1000 + B*114/1000 in 16-bit fixed point, rounded.
    for (let p = 0, s = 0; p < n; p++, s += stride) {
      out[offset + p] = (data[s] * 19595 + data[s + 1] * 38470 + data[s + 2] * 7471 + 0x8000) >>> 16;
    }
  }
}

/** Returns a tick function that reports progress about every 1% and at the last file. */
function progressReporter(total: number, onProgress: ProgressCallback | undefined): () => void {
  let done = 0;
  const every = Math.max(1, Math.floor(total / 100));
  return () => {
    done++;
    if (onProgress && (done % every === 0 || done === total)) onProgress(done, total);
  };
}

/** Directory entries, with the error naming the folder. */
function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (err as Error).message;
    throw new DataFormatError(dir, `cannot read: ${why}`, undefined, { cause: err });
  }
}

/** Whether a path is a directory (following symbolic links, so linked class folders count). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
