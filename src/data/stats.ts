/**
 * Per-channel pixel statistics, the `mean`/`std` of input normalisation.
 *
 * @module
 */

import type { ImageDataset } from './dataset.js';

/** Per-channel mean and standard deviation in [0, 1] pixel units (pixel / 255). */
export interface ChannelStats {
  /** Mean per channel. */
  mean: number[];
  /** Standard deviation per channel (population, as torchvision's published constants). */
  std: number[];
}

/**
 * Computes per-channel mean and standard deviation over all pixels of a dataset.
 *
 * A 256-bin histogram per channel makes the sums exact integers, so the result does not depend on
 * the order of the samples and costs one pass over the bytes.
 *
 * @param dataset - the images (usually the train partition, never the test one)
 * @returns mean and std per channel, in [0, 1] units
 */
export function computeChannelStats(dataset: ImageDataset): ChannelStats {
  const { channels, images } = dataset;
  const plane = dataset.height * dataset.width;
  const imageSize = channels * plane;
  const histogram = new Float64Array(channels * 256);
  for (let base = 0; base < images.length; base += imageSize) {
    for (let c = 0; c < channels; c++) {
      const start = base + c * plane;
      const bins = c * 256;
      for (let p = start; p < start + plane; p++) histogram[bins + images[p]]++;
    }
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let count = 0;
    let sum = 0;
    let sumSquares = 0;
    for (let v = 0; v < 256; v++) {
      const k = histogram[c * 256 + v];
      count += k;
      sum += k * v;
      sumSquares += k * v * v;
    }
    const m = count > 0 ? sum / count : 0;
    const variance = count > 0 ? Math.max(0, sumSquares / count - m * m) : 0;
    mean.push(m / 255);
    std.push(Math.sqrt(variance) / 255);
  }
  return { mean, std };
}
