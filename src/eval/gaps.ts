/**
 * Alignment with the gold model as gaps of accuracy: Δ per set, Avg.Gap (SalUn) and the tug-of-war
 * score ToW (RUM).
 *
 * @module
 */

/** The four quantities Avg.Gap averages, each in percentage points. */
export interface Gaps {
  forget: number;
  retain: number;
  test: number;
  mia: number;
}

/** Δ = |value(Mu) − value(Mg)|, in the unit of the values (percentage points for accuracies). */
export function gap(unlearned: number, gold: number): number {
  return Math.abs(unlearned - gold);
}

/** Avg.Gap = mean of Δ_forget, Δ_retain, Δ_test and Δ_MIA (Fan et al., SalUn, 2024); lower is better. */
export function averageGap(gaps: Gaps): number {
  return (gaps.forget + gaps.retain + gaps.test + gaps.mia) / 4;
}

/**
 * ToW = Π over forget, retain, test of (1 − Δ_S/100), the tug-of-war score (Zhao et al., RUM, 2024):
 * in [0, 1], 1 when Mu matches Mg's accuracy on all three sets; higher is better.
 */
export function tugOfWar(gaps: Pick<Gaps, 'forget' | 'retain' | 'test'>): number {
  return (1 - gaps.forget / 100) * (1 - gaps.retain / 100) * (1 - gaps.test / 100);
}
