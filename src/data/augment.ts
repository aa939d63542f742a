/**
 * Training-time augmentation on uint8 CHW images: random crop with zero padding, then an optional
 * horizontal flip (torchvision's `RandomCrop(size, padding)` + `RandomHorizontalFlip()`, the standard
 * CIFAR recipe).
 *
 * Randomness comes only from a seeded {@link Random}, so an augmented epoch is bit-reproducible. The
 * draw for an image is split from its application so that the batch iterator can apply the same
 * geometry fused with normalisation, without an intermediate buffer.
 *
 * @module
 */

import type { Random } from './random.js';

/** Augmentation settings. */
export interface AugmentOptions {
  /**
   * Zero padding of the random crop, in pixels on each side; 0 disables the crop. Default 4, the
   * standard for 32x32 CIFAR images (torchvision's `RandomCrop(32, padding=4)`); the same 4 on 28x28
   * images shifts them by up to 1/7 of their side, a mild augmentation that keeps the digit or garment.
   */
  padding?: number;
  /** Mirror left-right with probability 1/2. Default true. */
  horizontalFlip?: boolean;
}

/** The geometry drawn for one image. */
export interface AugmentDraw {
  /** Vertical shift: output row y reads source row y + offsetY (rows outside are zero). */
  offsetY: number;
  /** Horizontal shift: output column x reads source column x + offsetX, before the flip. */
  offsetX: number;
  /** Whether the cropped image is mirrored left-right. */
  flip: boolean;
}

/**
 * Resolves options to their defaults and validates them.
 *
 * @param options - the options
 * @returns padding and flip, fully specified
 * @throws RangeError for a negative or non-integer padding
 */
export function resolveAugment(options: AugmentOptions): Required<AugmentOptions> {
  const padding = options.padding ?? 4;
  if (!Number.isInteger(padding) || padding < 0)
    throw new RangeError(`augment padding must be a non-negative integer, got ${padding}`);
  return { padding, horizontalFlip: options.horizontalFlip ?? true };
}

/**
 * Draws the augmentation of one image. Draw order (fixed, part of reproducibility): the crop's row
 * offset, its column offset (each uniform over the 2*padding+1 positions; none when padding is 0),
 * then the flip (when enabled).
 *
 * @param random - the stream to draw from
 * @param options - resolved options
 */
export function drawAugment(random: Random, options: Required<AugmentOptions>): AugmentDraw {
  const p = options.padding;
  const offsetY = p > 0 ? random.nextInt(2 * p + 1) - p : 0;
  const offsetX = p > 0 ? random.nextInt(2 * p + 1) - p : 0;
  const flip = options.horizontalFlip ? random.nextFloat() < 0.5 : false;
  return { offsetY, offsetX, flip };
}

/**
 * Applies a drawn crop and flip to one image: `dst[c][y][x] = src[c][y + offsetY][x' + offsetX]` with
 * `x' = flip ? width-1-x : x`, and 0 where that falls outside the image (the zero padding).
 *
 * @param src - C*H*W source pixels
 * @param dst - C*H*W destination (must not alias `src`)
 * @param channels - C
 * @param height - H
 * @param width - W
 * @param draw - the geometry
 * @returns `dst`
 */
export function applyAugment(
  src: Uint8Array,
  dst: Uint8Array,
  channels: number,
  height: number,
  width: number,
  draw: AugmentDraw,
): Uint8Array {
  const { offsetY, offsetX, flip } = draw;
  const plane = height * width;
  // Columns x in [x0, x1) read inside the source; the rest are padding.
  const x0 = Math.max(0, -offsetX);
  const x1 = Math.min(width, width - offsetX);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const row = c * plane + y * width;
      const sy = y + offsetY;
      if (sy < 0 || sy >= height || x0 >= x1) {
        dst.fill(0, row, row + width);
        continue;
      }
      const srcRow = c * plane + sy * width + offsetX;
      if (flip) {
        // Output x mirrors cropped column width-1-x, so the valid output range mirrors too.
        const m0 = width - x1;
        const m1 = width - x0;
        dst.fill(0, row, row + m0);
        for (let x = m0; x < m1; x++) dst[row + x] = src[srcRow + width - 1 - x];
        dst.fill(0, row + m1, row + width);
      } else {
        dst.fill(0, row, row + x0);
        for (let x = x0; x < x1; x++) dst[row + x] = src[srcRow + x];
        dst.fill(0, row + x1, row + width);
      }
    }
  }
  return dst;
}

/**
 * Augments one image: draws a crop and flip from `random` and applies it.
 *
 * @param src - C*H*W source pixels
 * @param channels - C
 * @param height - H
 * @param width - W
 * @param options - padding and flip
 * @param random - the stream to draw from
 * @param dst - optional destination to reuse (C*H*W, not aliasing `src`)
 * @returns the augmented pixels
 */
export function augmentImage(
  src: Uint8Array,
  channels: number,
  height: number,
  width: number,
  options: AugmentOptions,
  random: Random,
  dst: Uint8Array = new Uint8Array(channels * height * width),
): Uint8Array {
  return applyAugment(src, dst, channels, height, width, drawAugment(random, resolveAugment(options)));
}
