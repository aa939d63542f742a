/**
 * Whether two runs of a method ran the same method: reports and cost runs record a method's settings
 * (`params`), and a verdict that pools runs, or judges a scenario's cost on another run, is only sound
 * when those settings agree on everything but what names the run.
 *
 * @module
 */

import { resolveParams } from '../../src/unlearn/params.js';
import { tmu } from '../../src/unlearn/tmu/tmu.js';

/** TMU's parameters that name a run rather than the method: the update's seed, and a forced twin rebuild. */
export const RUN_ONLY_PARAMS: readonly string[] = ['updateSeed', 'rebuildTwin'];

/**
 * The settings on which `a` and `b` differ, each as `key: A vs B` (JSON values; `absent` for a key only
 * one records), keys in sorted order, `ignore`d keys left out. Empty when they ran the same method.
 */
export function settingsDifferences(
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
  ignore: readonly string[] = RUN_ONLY_PARAMS,
): string[] {
  const show = (settings: Readonly<Record<string, unknown>>, key: string): string =>
    key in settings ? JSON.stringify(settings[key]) : 'absent';
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => !ignore.includes(key)).sort();
  return keys.filter((key) => show(a, key) !== show(b, key)).map((key) => `${key}: ${show(a, key)} vs ${show(b, key)}`);
}

/**
 * What a run ran with before an option existed, for the options whose default today is not that
 * behaviour: the ones introduced with another default, or whose default changed since (from the history
 * of src/unlearn/tmu/tmu.ts). Every other option was added with a default that reproduces the update it
 * had before, so today's default stands in for it.
 */
export const VALUES_BEFORE_OPTION: Readonly<Record<string, unknown>> = {
  scaler: 'tukey',
  easyLoss: 'label',
  retainLoss: 'label',
  splitWeight: 'uniform',
  // hardRateCalibration was added with the default 'twin' (session 14), which session 16 set back to
  // 'none', the behaviour before it: today's default reproduces those runs again.
};

/**
 * A stored run's TMU parameters as today's schema resolves them, each option missing from them taken as
 * what runs did before it existed ({@link VALUES_BEFORE_OPTION}, else today's default), so that a report
 * written before an option existed compares equal to a run of today that reproduces it. Null when
 * today's schema refuses them (an option since removed, a value no longer allowed).
 */
export function restoreTmuParams(stored: Readonly<Record<string, unknown>>): Record<string, unknown> | null {
  const predating = Object.fromEntries(Object.entries(VALUES_BEFORE_OPTION).filter(([key]) => !(key in stored)));
  try {
    return resolveParams(tmu, { ...predating, ...stored }) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * {@link settingsDifferences} for two runs of `method`. TMU's settings are compared as
 * {@link restoreTmuParams} restores them, so an option added since one of the runs, at the value that
 * reproduces it, is no difference; where either side does not restore, or for another method, they are
 * compared as recorded.
 */
export function methodSettingsDifferences(
  method: string,
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): string[] {
  if (method === 'tmu') {
    const restoredA = restoreTmuParams(a);
    const restoredB = restoreTmuParams(b);
    if (restoredA && restoredB) return settingsDifferences(restoredA, restoredB);
  }
  return settingsDifferences(a, b);
}
