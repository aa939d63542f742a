/**
 * Whether two runs of a method ran the same method: reports and cost runs record a method's settings
 * (`params`), and a verdict that pools runs, or judges a scenario's cost on another run, is only sound
 * when those settings agree on everything but what names the run.
 *
 * @module
 */

/** TMU's parameters that name a run rather than the method: the update's seed, and a forced twin rebuild. */
export const RUN_ONLY_PARAMS: readonly string[] = ['updateSeed', 'rebuildTwin'];

/**
 * The settings on which `a` and `b` differ, each as `key: A vs B` (JSON values; `absent` for a key only
 * one records), keys in sorted order, `ignore`d keys left out. Empty when they ran the same method.
 */
export function settingsDifferences(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>, ignore: readonly string[] = RUN_ONLY_PARAMS): string[] {
  const show = (settings: Readonly<Record<string, unknown>>, key: string): string => (key in settings ? JSON.stringify(settings[key]) : 'absent');
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => !ignore.includes(key)).sort();
  return keys.filter((key) => show(a, key) !== show(b, key)).map((key) => `${key}: ${show(a, key)} vs ${show(b, key)}`);
}
