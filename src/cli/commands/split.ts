import { existsSync } from 'node:fs';
import { FeatureDataset } from '../../data/featureDataset.js';
import { FORGET_SCENARIOS, type ForgetSpec, loadForget, saveForget, selectForget } from '../../data/forget.js';
import { parseCondition } from '../../data/rowFilter.js';
import { loadSplit, makeSplit, saveSplit, splitDigest } from '../../data/split.js';
import type { TabularData } from '../../data/tabularData.js';
import type { Command } from '../command.js';
import { choiceFlag, intFlag, numberFlag, optionalString, printResult, requireString, UsageError } from '../command.js';
import { DATA_FLAGS, isTableDataset, loadDatasetFromFlags, openTableFromFlags } from '../dataFlags.js';

/** `tmu split`: writes a member/holdout/test split and, optionally, a forget set for a scenario. */
export const splitCommand: Command = {
  name: 'split',
  summary: 'write a member/holdout/test split and a forget set for a scenario',
  details: [
    'Examples:',
    '  tmu split --out runs/split.json --scenario subclass --class 6 --fraction 0.1 --forget-out runs/forget.json',
    '  tmu split --split runs/split.json --scenario ids --ids my-request.json --forget-out runs/forget.json',
    '  tmu split --dataset csv --data churn.csv.gz --label churn --split runs/churn/split.json \\',
    "    --scenario where --where contract=Month-to-month --where 'tenure<6' --forget-out runs/leaving.json",
  ].join('\n'),
  flags: {
    ...DATA_FLAGS,
    out: { type: 'string', description: 'where to write the split JSON (omit with --split)', value: 'FILE' },
    split: { type: 'string', description: 'use this existing split instead of drawing one', value: 'FILE' },
    seed: { type: 'string', description: 'seed of the member/holdout split', default: '0', value: 'N' },
    holdout: { type: 'string', description: 'holdout fraction of the training partition', default: '0.25', value: 'F' },
    scenario: { type: 'string', description: `forget scenario: ${FORGET_SCENARIOS.join(', ')}`, value: 'NAME' },
    class: { type: 'string', description: 'class index or name (subclass, class)', value: 'C' },
    fraction: {
      type: 'string',
      description: 'fraction to forget (subclass: of the class members; random: of D)',
      value: 'F',
    },
    ids: {
      type: 'string',
      description: 'file of ids to forget (scenario ids): {"ids": [...]} or a JSON array',
      value: 'FILE',
    },
    where: {
      type: 'string',
      multiple: true,
      description:
        'scenario where (tables): COLUMN=VALUE, COLUMN!=VALUE, COLUMN<NUMBER or COLUMN>NUMBER; repeated flags are ANDed',
      value: 'CONDITION',
    },
    'forget-seed': { type: 'string', description: 'seed of the forget-set draw', default: '0', value: 'N' },
    'forget-out': { type: 'string', description: 'where to write the forget set JSON', value: 'FILE' },
  },
  async run(flags) {
    const existing = optionalString(flags, 'split');
    const out = optionalString(flags, 'out');
    if (!existing && !out) throw new UsageError('--out is required (or --split to reuse a split)');
    const scenario =
      flags.scenario === undefined ? undefined : choiceFlag(flags, 'scenario', FORGET_SCENARIOS, 'subclass');
    const forgetOut = optionalString(flags, 'forget-out');
    if (scenario && !forgetOut) throw new UsageError('--forget-out is required with --scenario');
    let spec: ForgetSpec | undefined;
    if (scenario) {
      const classFlag = optionalString(flags, 'class');
      const classValue = classFlag === undefined ? undefined : /^\d+$/.test(classFlag) ? Number(classFlag) : classFlag;
      if ((scenario === 'subclass' || scenario === 'class') && classValue === undefined)
        throw new UsageError(`--class is required for scenario ${scenario}`);
      if ((scenario === 'subclass' || scenario === 'random') && flags.fraction === undefined)
        throw new UsageError(`--fraction is required for scenario ${scenario}`);
      const fraction = numberFlag(flags, 'fraction', 0, 0, 1);
      if (scenario === 'subclass') spec = { scenario, class: classValue!, fraction };
      else if (scenario === 'random') spec = { scenario, fraction };
      else if (scenario === 'class') spec = { scenario, class: classValue! };
      else if (scenario === 'ids') spec = { scenario, ids: loadForget(requireString(flags, 'ids')).ids };
    }
    const where = (flags.where as string[] | undefined) ?? [];
    if (scenario === 'where' && where.length === 0) throw new UsageError('--where is required for scenario where');
    if (scenario === 'where' && !isTableDataset(flags))
      throw new UsageError('scenario where filters the rows of a table: use --dataset csv (or text-csv) with --data');
    for (const condition of where) {
      try {
        parseCondition(condition);
      } catch (error) {
        throw new UsageError(`--where: ${(error as Error).message}`);
      }
    }
    const opened = isTableDataset(flags) ? openTableFromFlags(flags) : undefined;
    if (opened && scenario === 'where') spec = { scenario, where, rows: opened.train };
    const images = opened ? undefined : loadDatasetFromFlags(flags).data;
    const data = opened ?? images!;
    const labelled = opened ? tableLabels(opened.train) : images!.train;
    const split = existing
      ? loadSplit(existing)
      : makeSplit(data.train, data.test, {
          seed: intFlag(flags, 'seed', 0, 0),
          holdoutFraction: numberFlag(flags, 'holdout', 0.25, 0, 1),
        });
    if (split.dataset !== data.train.name)
      throw new UsageError(`the split is for ${split.dataset}, not ${data.train.name}`);
    const forget = spec ? selectForget(split, labelled, spec, intFlag(flags, 'forget-seed', 0, 0)) : undefined;
    if (out) {
      if (existing && existsSync(out) && out === existing) throw new UsageError('--out and --split are the same file');
      saveSplit(out, split);
    }
    if (forget && forgetOut) saveForget(forgetOut, forget);
    const result = {
      split: {
        file: out ?? existing,
        digest: splitDigest(split),
        member: split.member.length,
        holdout: split.holdout.length,
        test: split.test.length,
      },
      forget: forget
        ? { file: forgetOut, scenario: forget.scenario, params: forget.params, count: forget.ids.length }
        : null,
    };
    printResult(
      flags,
      result,
      [
        `split ${result.split.file}: member ${result.split.member}, holdout ${result.split.holdout}, test ${result.split.test}`,
        ...(forget
          ? [`forget set ${forgetOut}: ${forget.scenario} ${JSON.stringify(forget.params)}, ${forget.ids.length} ids`]
          : []),
      ].join('\n'),
    );
    return 0;
  },
};

/** A table's ids and labels as a dataset, for forget-set selection (no features are needed to choose rows). */
function tableLabels(rows: TabularData): FeatureDataset {
  return new FeatureDataset({
    name: rows.name,
    partition: 'train',
    features: new Float32Array(rows.size),
    width: 1,
    labels: rows.labels,
    classNames: rows.classNames,
    ids: rows.ids,
  });
}
