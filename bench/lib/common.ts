/**
 * Types and statistics shared by the engine benchmark's parts.
 *
 * @module
 */

/** The benchmark's models, named as bench/engine_pytorch.py names them. */
export const MODEL_NAMES = ['small-cnn', 'resnet18-w0.5-32px'] as const;
/** One of {@link MODEL_NAMES}. */
export type ModelName = (typeof MODEL_NAMES)[number];

/** One timed run of consecutive training steps or inference batches. */
export interface Chunk {
  /** Timed steps (training steps or inference batches). */
  steps: number;
  /** Images processed in the timed part. */
  images: number;
  /** Wall-clock seconds of the timed part. */
  seconds: number;
  /** CPU seconds the process used in the timed part (all threads). */
  cpuSeconds: number;
  /** Training loss of the chunk's last step. */
  loss?: number;
}

/** An engine that can run chunks of training and inference on the model it has set up. */
export interface EngineRunner {
  readonly name: string;
  /** `warmup` untimed training steps, then timed ones until `seconds` have passed (at least one). */
  train(seconds: number, warmup: number): Promise<Chunk>;
  /** The same for inference batches. */
  infer(seconds: number, warmup: number): Promise<Chunk>;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Rounds for JSON output: 4 significant digits, at least integer precision for large values. */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) >= 10 ** digits) return Math.round(value);
  return Number(value.toPrecision(digits));
}
