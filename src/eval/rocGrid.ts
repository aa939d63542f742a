/**
 * The false-positive rates at which membership-attack ROC curves are measured and reported.
 *
 * @module
 */

/** False-positive rates (fractions) at which ROC curves are reported: dense at low rates, as Ye et al. plot. */
export const ROC_FPR_GRID: readonly number[] = [
  0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6,
  0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1,
];
