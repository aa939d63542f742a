/**
 * Per-class slices of a forget set: the Df metrics `tmu bench` reports, computed on the samples of one
 * class at a time (bench/tmuClassSlices.ts).
 *
 * @module
 */

/** The Df metrics of one model on the forget samples of one class, in percent. */
export interface ClassSlice {
  label: number;
  /** Forget samples of this class. */
  count: number;
  /** Of them, how many the gold model gets wrong. */
  goldWrong: number;
  goldAcc: number;
  acc: number;
  /** |acc - goldAcc|. */
  gap: number;
  /** Share of the slice where the model predicts what the gold model predicts. */
  agreement: number;
  /** Of the samples the gold model gets right, the share the model gets right (100 when there are none). */
  easyRecall: number;
  /** Of the samples the gold model gets wrong, the share the model gets wrong (100 when there are none). */
  hardForget: number;
}

/** An arm of a comparison: a name and TMU parameters as `k=v` pairs. */
export interface Arm {
  name: string;
  params: string[];
}

/** Parses `NAME` or `NAME:k=v k=v ...` (whitespace-separated pairs, so values may hold commas). */
export function parseArm(text: string): Arm {
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new Error(
      `--arm '${text}': the name must be letters, digits, '_', '.' or '-', before an optional ':k=v ...'`,
    );
  if (name === 'original' || name === 'floor')
    throw new Error(`--arm '${text}': '${name}' is reserved for the reference slices`);
  const params =
    colon < 0
      ? []
      : text
          .slice(colon + 1)
          .split(/\s+/)
          .filter(Boolean);
  for (const pair of params) if (!pair.includes('=')) throw new Error(`--arm '${text}': '${pair}' is not k=v`);
  return { name, params };
}

function percent(part: number, whole: number): number {
  return whole === 0 ? 100 : Number(((100 * part) / whole).toFixed(2));
}

/**
 * One slice per class present in `labels`, in label order. `gold` and `model` are predictions aligned
 * with `labels`.
 */
export function sliceByClass(labels: Int32Array, gold: Int32Array, model: Int32Array): ClassSlice[] {
  if (gold.length !== labels.length || model.length !== labels.length) {
    throw new Error(
      `sliceByClass: ${labels.length} labels but ${gold.length} gold and ${model.length} model predictions`,
    );
  }
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  return classes.map((label) => {
    let count = 0,
      goldRight = 0,
      right = 0,
      same = 0,
      keptRight = 0,
      forgotWrong = 0;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== label) continue;
      count++;
      const goldIsRight = gold[i] === label;
      const isRight = model[i] === label;
      if (goldIsRight) goldRight++;
      if (isRight) right++;
      if (gold[i] === model[i]) same++;
      if (goldIsRight && isRight) keptRight++;
      if (!goldIsRight && !isRight) forgotWrong++;
    }
    const goldAcc = percent(goldRight, count);
    const acc = percent(right, count);
    return {
      label,
      count,
      goldWrong: count - goldRight,
      goldAcc,
      acc,
      gap: Number(Math.abs(acc - goldAcc).toFixed(2)),
      agreement: percent(same, count),
      easyRecall: percent(keptRight, goldRight),
      hardForget: percent(forgotWrong, count - goldRight),
    };
  });
}
