import type { ArchitectureName } from '../models/architecture.js';

/** A benchmark protocol with a name, used by `tmu bench --preset` and `tmu demo`. */
export interface BenchmarkPreset {
  description: string;
  dataset: string;
  arch: ArchitectureName;
  /** Epochs of the original and gold models; absent: the architecture's default recipe. */
  epochs?: number;
  trainLimit?: number;
  testLimit?: number;
  scenario: 'subclass' | 'class' | 'random';
  classes: number[];
  fraction: number;
  /** How many seeds: `firstSeed`, `firstSeed + 1`, ... (each seed fixes the split, Df, and every model's training). */
  seeds: number;
  /**
   * The first seed (default 0). Seeds outside the reported protocol's 0..2 give held-out instances of a
   * scenario: other members, other forget sets, other trained models.
   */
  firstSeed?: number;
  methods: string[];
  retainEvalSize: number;
  noiseFloor: boolean;
}

/** The named protocols. */
export const PRESETS: Record<'standard' | 'quick' | 'demo' | 'paper', BenchmarkPreset> = {
  standard: {
    description:
      "what `tmu bench` runs without --preset: the full dataset and the architecture's default training recipe (small CNN: 10 epochs), 10% of class 6, one seed",
    dataset: 'fashion-mnist',
    arch: 'cnn',
    scenario: 'subclass',
    classes: [6],
    fraction: 0.1,
    seeds: 1,
    methods: ['tmu', 'retrain', 'finetune', 'gradient-ascent', 'random-label'],
    retainEvalSize: 5000,
    noiseFloor: true,
  },
  quick: {
    description:
      'smoke check in under 3 minutes: small CNN, 3 epochs on the first 6,000 Fashion-MNIST training images, class 6, one seed',
    dataset: 'fashion-mnist',
    arch: 'cnn',
    epochs: 3,
    trainLimit: 6000,
    testLimit: 2000,
    scenario: 'subclass',
    classes: [6],
    fraction: 0.1,
    seeds: 1,
    methods: ['tmu', 'retrain', 'finetune', 'gradient-ascent', 'random-label'],
    retainEvalSize: 2000,
    noiseFloor: true,
  },
  demo: {
    description:
      'the README demo: small CNN, 6 epochs on all of Fashion-MNIST, 10% of class 6 (Shirt) forgotten, one seed',
    dataset: 'fashion-mnist',
    arch: 'cnn',
    epochs: 6,
    scenario: 'subclass',
    classes: [6],
    fraction: 0.1,
    seeds: 1,
    methods: ['tmu', 'retrain', 'finetune', 'gradient-ascent', 'gradient-ascent-calibrated', 'random-label'],
    retainEvalSize: 5000,
    noiseFloor: true,
  },
  paper: {
    description:
      'the full protocol: small CNN, 10 epochs, Fashion-MNIST, 10% of class 0, 2, 4 and 6, 3 seeds, every method',
    dataset: 'fashion-mnist',
    arch: 'cnn',
    epochs: 10,
    scenario: 'subclass',
    classes: [0, 2, 4, 6],
    fraction: 0.1,
    seeds: 3,
    methods: ['all'],
    retainEvalSize: 5000,
    noiseFloor: true,
  },
};
