import type { ImageDataset } from '../../data/dataset.js';
import type { Random } from '../../data/random.js';

/** What {@link sampleRetain} draws. */
export interface RetainSampleOptions {
  /** Df: its class mix is where the update moves the boundaries. */
  forgetIds: readonly string[];
  /** The wrong label each predicted-hard sample is relabelled to: the classes it is pushed into. */
  hardLabels: ReadonlyMap<string, number>;
  /** Size of the sample, at most |Dr|. */
  count: number;
  /** Share of the sample drawn from the classes the update moves, in [0, 1]; 0 = uniform over Dr. */
  focus: number;
}

/**
 * The aligned update's retain sample: `round(focus × count)` members of Dr from the classes the update
 * moves, class c in proportion to |Df_c| plus the number of hard samples relabelled to c (at most all of
 * Dr_c), and the rest uniform over the members of Dr not yet drawn. A uniform sample of Dr holds only
 * its share of Df's class, which is the class whose kept samples relabelling its neighbours can flip.
 *
 * With `focus` 0 this is exactly `random.sample(retainIds, count)`.
 *
 * @throws RangeError when `focus` is outside [0, 1] or `count` outside 0..|Dr|
 */
export function sampleRetain(
  train: ImageDataset,
  retainIds: readonly string[],
  options: RetainSampleOptions,
  random: Random,
): string[] {
  const { forgetIds, hardLabels, count, focus } = options;
  if (!(focus >= 0 && focus <= 1)) throw new RangeError(`retain sample: focus must be in [0, 1], got ${focus}`);
  if (!Number.isInteger(count) || count < 0 || count > retainIds.length)
    throw new RangeError(`retain sample: count must be an integer in 0..${retainIds.length}, got ${count}`);
  if (focus === 0) return random.sample(retainIds, count);
  const labelOf = (id: string): number => train.labels[train.indexOf(id)]!;
  const weight = new Float64Array(train.numClasses);
  for (const id of forgetIds) weight[labelOf(id)]! += 1;
  for (const label of hardLabels.values()) weight[label]! += 1;
  const total = weight.reduce((a, b) => a + b, 0);
  const byClass: string[][] = Array.from({ length: train.numClasses }, () => []);
  for (const id of retainIds) byClass[labelOf(id)]!.push(id);
  const focusCount = Math.round(focus * count);
  const chosen = new Set<string>();
  byClass.forEach((members, c) => {
    const quota = total > 0 ? Math.min(members.length, Math.round((focusCount * weight[c]!) / total)) : 0;
    for (const id of random.fork(`class-${c}`).sample(members, quota)) chosen.add(id);
  });
  // Rounding can overshoot the quota by a few samples; the sample never exceeds `count`.
  const focused = [...chosen].slice(0, count);
  const taken = new Set(focused);
  const rest = retainIds.filter((id) => !taken.has(id));
  return [...focused, ...random.fork('rest').sample(rest, count - focused.length)];
}
