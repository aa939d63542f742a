/**
 * Synthetic evaluation data for the eval tests: per-seed model outputs built by hand (no model is
 * trained), shaped like a real subclass-forgetting run, and the report they give.
 *
 * Each sample has a seeded "difficulty" in [0, 1) shared by all models of a seed; a model gets a sample
 * right when the difficulty is below its accuracy for that set (plus a little per-model jitter), and puts
 * a margin on its predicted class that is larger on data it trained on: that is what the MIA attacks see.
 *
 * @module
 */

import { Random } from '../../src/data/random.js';
import {
  evaluateSeed,
  type MethodRun,
  type PredictorDetails,
  type SeedInput,
  type SeedResult,
} from '../../src/eval/evaluate.js';
import type { SetOutputs, SplitOutputs } from '../../src/eval/outputs.js';
import { aggregateRuns, type Report } from '../../src/eval/report.js';

/** Classes of the synthetic data. */
export const K = 10;
/** The forgotten class (all of Df has it). */
export const FORGET_CLASS = 6;

/** How a synthetic model behaves on one set: accuracy (fraction) and logit margin. */
interface SetProfile {
  acc: number;
  margin: number;
}
type Profile = Record<keyof SplitOutputs, SetProfile>;

const PROFILES: Record<string, Profile> = {
  original: { forget: { acc: 0.99, margin: 7 }, retain: { acc: 0.99, margin: 7 }, test: { acc: 0.9, margin: 3.5 } },
  gold: { forget: { acc: 0.82, margin: 3.3 }, retain: { acc: 0.99, margin: 7 }, test: { acc: 0.9, margin: 3.5 } },
  replica: { forget: { acc: 0.81, margin: 3.4 }, retain: { acc: 0.99, margin: 7 }, test: { acc: 0.895, margin: 3.5 } },
  tmu: { forget: { acc: 0.8, margin: 3.6 }, retain: { acc: 0.985, margin: 6.5 }, test: { acc: 0.893, margin: 3.4 } },
  finetune: { forget: { acc: 0.93, margin: 5 }, retain: { acc: 0.99, margin: 6.8 }, test: { acc: 0.9, margin: 3.5 } },
  'gradient-ascent': {
    forget: { acc: 0.45, margin: 2 },
    retain: { acc: 0.93, margin: 4.5 },
    test: { acc: 0.86, margin: 3 },
  },
  'random-label': {
    forget: { acc: 0.7, margin: 3 },
    retain: { acc: 0.97, margin: 6 },
    test: { acc: 0.88, margin: 3.3 },
  },
};

/** Sizes of the synthetic sets. */
export const SIZES = { forget: 120, retain: 600, test: 400 } as const;

/** Labels and ids of a seed's sets (Df is all of {@link FORGET_CLASS}). */
function setRows(split: keyof SplitOutputs): { ids: string[]; labels: Int32Array } {
  const n = SIZES[split];
  const partition = split === 'test' ? 'test' : 'train';
  const offset = split === 'retain' ? 10000 : 0;
  return {
    ids: Array.from({ length: n }, (_, i) => `synthetic/${partition}/${offset + i}`),
    labels: Int32Array.from({ length: n }, (_, i) => (split === 'forget' ? FORGET_CLASS : i % K)),
  };
}

/** Synthetic outputs of a model with `profile` on the seed's samples of given `difficulty`. */
function outputs(profile: Profile, difficulty: Record<keyof SplitOutputs, Float64Array>, random: Random): SplitOutputs {
  const make = (split: keyof SplitOutputs): SetOutputs => {
    const { ids, labels } = setRows(split);
    const { acc, margin } = profile[split];
    const n = labels.length;
    const logits = new Float32Array(n * K);
    const jitter = (random.nextFloat() - 0.5) * 0.02;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < K; j++) logits[i * K + j] = (random.nextFloat() - 0.5) * 1.2;
      const y = labels[i]!;
      const correct = difficulty[split][i]! < acc + jitter;
      const target = correct ? y : (y + 1 + (Math.floor(difficulty[split][i]! * 7919) % (K - 1))) % K;
      logits[i * K + target]! += margin * (0.4 + 1.2 * random.nextFloat());
    }
    return { ids, labels, logits, numClasses: K };
  };
  return { forget: make('forget'), retain: make('retain'), test: make('test') };
}

/** TMU's predictor details for Df: P(easy) tracks the gold model's correctness (difficulty < 0.82). */
function predictorDetails(difficulty: Float64Array, random: Random): PredictorDetails {
  const n = difficulty.length;
  const features = new Float32Array(n * 3);
  const easyProbability = new Float32Array(n);
  const predictedHard = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const d = difficulty[i]!;
    features[i * 3] = Math.min(1, Math.max(0, d * 0.8 + random.nextFloat() * 0.25));
    features[i * 3 + 1] = Math.min(1, Math.max(0, d * d + (random.nextFloat() - 0.5) * 0.3));
    features[i * 3 + 2] = random.nextFloat();
    easyProbability[i] = Math.min(1, Math.max(0, 1.25 - d * 1.1 + (random.nextFloat() - 0.5) * 0.35));
    predictedHard[i] = easyProbability[i]! < 0.4 ? 1 : 0;
  }
  return {
    ids: setRows('forget').ids,
    features,
    featureNames: ['distance', 'adversarial', 'curriculum'],
    easyProbability,
    predictedHard,
  };
}

/** The methods of the sample, in report order. */
export const SAMPLE_METHODS = ['tmu', 'finetune', 'gradient-ascent', 'random-label'] as const;
const METHOD_SECONDS: Record<string, number> = {
  tmu: 4.2,
  finetune: 12.5,
  'gradient-ascent': 1.4,
  'random-label': 6.1,
};

/** The per-seed inputs of one synthetic seed. */
export function sampleSeedInput(
  seed: number,
  options: { methods?: readonly string[]; replica?: boolean; underFit?: boolean } = {},
): SeedInput {
  const random = new Random(1000 + seed);
  const difficulty = {
    forget: Float64Array.from({ length: SIZES.forget }, () => random.nextFloat()),
    retain: Float64Array.from({ length: SIZES.retain }, () => random.nextFloat()),
    test: Float64Array.from({ length: SIZES.test }, () => random.nextFloat()),
  };
  const model = (name: string): SplitOutputs => outputs(PROFILES[name]!, difficulty, random.fork(`model/${name}`));
  const methods: MethodRun[] = (options.methods ?? SAMPLE_METHODS).map((name) => ({
    name,
    params: name === 'tmu' ? { threshold: 'rate', updateEpochs: 3 } : { epochs: 2, lr: 0.01 },
    seconds: (METHOD_SECONDS[name] ?? 5) * (1 + (random.nextFloat() - 0.5) * 0.2),
    outputs: model(PROFILES[name] ? name : 'finetune'),
    summary: { steps: 100 + seed },
    ...(name === 'tmu'
      ? { predictor: predictorDetails(difficulty.forget, random.fork('predictor')), preparationSeconds: 30 + seed }
      : {}),
  }));
  return {
    seed,
    original: { outputs: model('original'), seconds: 95 + seed, digest: `sha256:original-${seed}` },
    gold: { outputs: model('gold'), seconds: 80 + 2 * seed, digest: `sha256:gold-${seed}` },
    goldReplica:
      options.replica === false
        ? null
        : { outputs: model('replica'), seconds: 81 + seed, digest: `sha256:replica-${seed}` },
    methods,
    protocol: {
      members: 45_000,
      trainImages: 60_000,
      epochs: 10,
      memberAccuracy: options.underFit ? 83 + seed * 0.1 : 96.8 + seed * 0.1,
      holdoutAccuracy: options.underFit ? 82 : 92.4,
    },
  };
}

/** Evaluated synthetic seeds. */
export function sampleRuns(
  seeds: readonly number[] = [0, 1, 2],
  options: { methods?: readonly string[]; replica?: boolean; underFit?: boolean } = {},
): SeedResult[] {
  return seeds.map((seed) => evaluateSeed(sampleSeedInput(seed, options)));
}

/** A complete synthetic report (three seeds, four methods, noise floor, TMU scatter). */
export function sampleReport(
  seeds: readonly number[] = [0, 1, 2],
  options: { methods?: readonly string[]; replica?: boolean; underFit?: boolean } = {},
): Report {
  return aggregateRuns(sampleRuns(seeds, options), {
    dataset: 'fashion-mnist',
    arch: 'cnn',
    scenario: { name: 'subclass', class: FORGET_CLASS, className: 'Shirt', fraction: 0.1 },
    createdAt: '2025-01-01T00:00:00.000Z',
    command: 'tmu bench --scenario subclass --class 6 --fraction 0.1 --seeds 3 --methods all --out DIR',
  });
}
