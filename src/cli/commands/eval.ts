import { checkForgetIds, loadForget, retainIds } from '../../data/forget.js';
import { consoleProgress } from '../../train/progress.js';
import type { Command } from '../command.js';
import { optionalString, printResult, requireString } from '../command.js';
import { loadDatasetByRef } from '../dataFlags.js';

/** `tmu eval`: accuracy of a model on its member, holdout and test sets (and a forget set). */
export const evalCommand: Command = {
  name: 'eval',
  summary: 'accuracy of a model on D (member), H (holdout), T (test), and on a forget set',
  details: 'Example:\n  tmu eval --model runs/original --forget runs/forget.json --json',
  flags: {
    model: { type: 'string', description: 'model directory', value: 'DIR' },
    forget: {
      type: 'string',
      description: 'forget-set file: also report accuracy on it and on the rest of D',
      value: 'FILE',
    },
    'data-dir': {
      type: 'string',
      description: 'dataset folder, if not where the model was trained from',
      value: 'DIR',
    },
  },
  async run(flags) {
    const dir = requireString(flags, 'model');
    const forgetFile = optionalString(flags, 'forget');
    const forget = forgetFile ? loadForget(forgetFile).ids : undefined;
    // Loaded here, not at the top, so that --help and usage errors do not load libtorch.
    const { loadModel, readExcludedIds } = await import('../../train/modelStore.js');
    const { accuracy, predict } = await import('../../train/predict.js');
    const { model, sidecar, split } = loadModel(dir);
    const data = loadDatasetByRef(sidecar.dataset, optionalString(flags, 'data-dir'));
    if (forget) checkForgetIds(split, data.train, forget);
    const normalize = sidecar.dataset.normalize;
    const sets: [string, typeof data.train, readonly string[]][] = [
      ['member', data.train, split.member],
      ['holdout', data.train, split.holdout],
      ['test', data.test, split.test],
    ];
    const excluded = readExcludedIds(dir, sidecar);
    if (excluded.length > 0)
      sets.push(['excluded', data.train, excluded], ['retain', data.train, retainIds(split, excluded)]);
    if (forget) sets.push(['forget', data.train, forget], ['forgetRetain', data.train, retainIds(split, forget)]);
    const progress = consoleProgress({ json: flags.json === true });
    const task = progress.task('evaluate', sets.length);
    const acc: Record<string, number> = {};
    const counts: Record<string, number> = {};
    for (const [name, dataset, ids] of sets) {
      acc[name] = accuracy(predict(model, dataset, ids, { normalize }));
      counts[name] = ids.length;
      task.tick(1, { [name]: acc[name]! });
    }
    task.done();
    model.dispose();
    const result = { model: dir, digest: sidecar.digest, acc, counts };
    printResult(
      flags,
      result,
      Object.entries(acc)
        .map(([name, value]) => `${name.padEnd(13)} ${value.toFixed(2)}%  (${counts[name]} samples)`)
        .join('\n'),
    );
    return 0;
  },
};
