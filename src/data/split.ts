/**
 * Member / holdout / test splits: which samples the original model trains on (D), which it never sees
 * but TMU and the membership attacks use (H), and the official test set (T).
 *
 * A split is a list of sample ids, saved with every run; its digest is what model sidecars record as
 * the data they were trained on.
 *
 * @module
 */

import { createHash } from 'node:crypto';

import type { Dataset } from './dataset.js';
import { DataFormatError, listIds } from './errors.js';
import { isJsonObject, readJson, writeTextAtomic } from './files.js';
import { Random } from './random.js';

/** A member / holdout / test split of a dataset. */
export interface Split {
  /** Dataset name (e.g. `fashion-mnist`). */
  dataset: string;
  /** Seed the split was drawn with. */
  seed: number;
  /** Member set D: the samples the original model is trained on, in dataset order. */
  member: string[];
  /** Holdout set H: train-partition samples never trained on, in dataset order. */
  holdout: string[];
  /** Test set T: every sample of the test partition, in dataset order. */
  test: string[];
}

/** What a split is drawn from: a dataset, or a table's typed rows before they are encoded. */
export type SplitSource = Pick<Dataset, 'name' | 'size' | 'ids'>;

/** Options of {@link makeSplit}. */
export interface SplitOptions {
  /** Share of the train partition held out, in (0, 1); default 0.25 as in the TMU reference code. */
  holdoutFraction?: number;
  /** Seed of the random permutation. */
  seed: number;
}

/** Format tag written into split files, so a split is never mistaken for another JSON artefact. */
const FORMAT = 'tmu-split';
const VERSION = 1;

/**
 * Draws a split: a seeded random permutation of the train ids, the first `round(N * holdoutFraction)`
 * going to the holdout set and the rest to the member set. Each set is then put back in dataset order,
 * so that a split reads like the data and its derived lists (Dr = D \ Df) keep that order.
 *
 * @param train - the train partition
 * @param test - the test partition (all of it becomes T)
 * @param options - holdout fraction and seed
 * @throws RangeError when the fraction is outside (0, 1), either set would be empty, or the partitions
 *   belong to different datasets
 */
export function makeSplit(train: SplitSource, test: SplitSource, options: SplitOptions): Split {
  const fraction = options.holdoutFraction ?? 0.25;
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`holdoutFraction must be in (0, 1), got ${fraction}`);
  if (train.name !== test.name)
    throw new RangeError(`train (${train.name}) and test (${test.name}) are different datasets`);
  const n = train.size;
  const holdoutCount = Math.round(n * fraction);
  if (holdoutCount < 1 || holdoutCount > n - 1) {
    throw new RangeError(`a holdout fraction of ${fraction} of ${n} samples leaves an empty member or holdout set`);
  }
  const order = new Random(options.seed).fork('split').permutation(n);
  const inHoldout = new Uint8Array(n);
  for (let k = 0; k < holdoutCount; k++) inHoldout[order[k]] = 1;
  const member: string[] = [];
  const holdout: string[] = [];
  for (let i = 0; i < n; i++) (inHoldout[i] ? holdout : member).push(train.ids[i]);
  return { dataset: train.name, seed: options.seed, member, holdout, test: [...test.ids] };
}

/**
 * SHA-256 (hex) of a split's partition: the dataset name and the three id lists, in order.
 *
 * The seed is deliberately left out: the digest names which samples a model was trained and judged
 * on, and two ways of arriving at the same lists are the same split.
 *
 * @param split - the split
 */
export function splitDigest(split: Split): string {
  // JSON of a fixed key order over strings is canonical: same lists, same bytes.
  const canonical = JSON.stringify({
    dataset: split.dataset,
    member: split.member,
    holdout: split.holdout,
    test: split.test,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Saves a split as JSON, atomically (a temporary file renamed over the destination), with its digest
 * so that a hand-edited or damaged file is detected on load.
 *
 * @param path - destination file
 * @param split - the split
 */
export function saveSplit(path: string, split: Split): void {
  const file = {
    format: FORMAT,
    version: VERSION,
    dataset: split.dataset,
    seed: split.seed,
    digest: splitDigest(split),
    counts: { member: split.member.length, holdout: split.holdout.length, test: split.test.length },
    member: split.member,
    holdout: split.holdout,
    test: split.test,
  };
  writeTextAtomic(path, `${JSON.stringify(file)}\n`);
}

/**
 * Loads a split saved by {@link saveSplit}, validating its structure.
 *
 * A file without `digest` is accepted (a split written by hand); one with a digest must match it.
 *
 * @param path - the file
 * @param options - `defaultTest`: the test ids of a split file without a `test` list (a split a user wrote
 *   for a model trained outside tmu: its test set is then the dataset's test partition)
 * @returns the split
 * @throws DataFormatError naming the file and the bad field: invalid JSON, a missing or mistyped field,
 *   repeated ids, an id in two sets, or a digest mismatch
 */
export function loadSplit(path: string, options: { defaultTest?: readonly string[] } = {}): Split {
  const value = readJson(path);
  if (!isJsonObject(value)) throw new DataFormatError(path, 'a split must be a JSON object');
  if (value.format !== undefined && value.format !== FORMAT) {
    throw new DataFormatError(path, `field "format" is ${JSON.stringify(value.format)}, expected "${FORMAT}"`);
  }
  if (value.version !== undefined && value.version !== VERSION) {
    throw new DataFormatError(
      path,
      `field "version" is ${JSON.stringify(value.version)}, this tmu reads version ${VERSION}`,
    );
  }
  if (typeof value.dataset !== 'string' || value.dataset === '') {
    throw new DataFormatError(path, 'field "dataset" must be a non-empty string');
  }
  if (!Number.isSafeInteger(value.seed) || (value.seed as number) < 0) {
    throw new DataFormatError(path, 'field "seed" must be a non-negative integer');
  }
  const member = idList(path, value, 'member');
  const holdout = idList(path, value, 'holdout');
  const test = value.test === undefined && options.defaultTest ? [...options.defaultTest] : idList(path, value, 'test');
  if (member.length === 0) throw new DataFormatError(path, 'field "member" is empty');
  const seen = new Map<string, string>();
  for (const [field, ids] of [
    ['member', member],
    ['holdout', holdout],
    ['test', test],
  ] as const) {
    const overlap: string[] = [];
    for (const id of ids) {
      const other = seen.get(id);
      if (other !== undefined) overlap.push(id);
      else seen.set(id, field);
    }
    if (overlap.length > 0) {
      const others = [...new Set(overlap.map((id) => `"${seen.get(id)}"`))].join(' and ');
      throw new DataFormatError(
        path,
        `field "${field}" shares ${overlap.length} id(s) with ${others}: ${listIds(overlap)}`,
      );
    }
  }
  const split: Split = { dataset: value.dataset, seed: value.seed as number, member, holdout, test };
  if (value.digest !== undefined) {
    const digest = splitDigest(split);
    if (value.digest !== digest) {
      throw new DataFormatError(
        path,
        `field "digest" does not match the id lists (file says ${String(value.digest)}, lists give ${digest}): the file was edited or damaged`,
      );
    }
  }
  return split;
}

/** Reads a field that must be an array of non-empty strings without repeats. */
function idList(path: string, value: Record<string, unknown>, field: string): string[] {
  const list = value[field];
  if (!Array.isArray(list)) throw new DataFormatError(path, `field "${field}" must be an array of id strings`);
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const id: unknown = list[i];
    if (typeof id !== 'string' || id === '') {
      throw new DataFormatError(
        path,
        `field "${field}"[${i}] must be a non-empty id string, got ${JSON.stringify(id)}`,
      );
    }
    if (seen.has(id)) repeated.push(id);
    seen.add(id);
  }
  if (repeated.length > 0) throw new DataFormatError(path, `field "${field}" repeats ids: ${listIds(repeated)}`);
  return list as string[];
}
