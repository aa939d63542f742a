import { existsSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkForgetIds, loadForget, retainIds } from '../../data/forget.js';
import { loadSplit, makeSplit } from '../../data/split.js';
import { ARCHITECTURES, type ArchitectureSpec, isResNet, RESNET_STEMS } from '../../models/architectureSpec.js';
import type { ModelSidecar } from '../../train/modelStore.js';
import { consoleProgress } from '../../train/progress.js';
import { DEFAULT_CURRICULUM_EPOCH } from '../../train/recipe.js';
import type { Command } from '../command.js';
import { choiceFlag, intFlag, numberFlag, optionalString, printResult, requireString, UsageError } from '../command.js';
import { DATA_FLAGS, loadDatasetFromFlags } from '../dataFlags.js';
import { RECIPE_FLAGS, recipeFromFlags } from '../recipeFlags.js';

/** `tmu train`: trains the original model on D, or with --exclude the gold model on D \ Df. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model on the member set (or, with --exclude, the gold model on the retain set)',
  details: [
    'Examples:',
    '  tmu train --dataset fashion-mnist --arch cnn --epochs 10 --seed 0 --out runs/original',
    '  tmu train --arch cnn --epochs 10 --seed 0 --split runs/original/split.json --exclude runs/forget.json --out runs/gold',
    'Writes DIR/model.safetensors (PyTorch-loadable), DIR/model.json (sidecar with the SHA-256 digest),',
    "DIR/split.json and DIR/curriculum.safetensors (the weights after --curriculum-epoch, TMU's curriculum model).",
    'A checkpoint is written after every epoch; after an interruption, rerun with --resume.',
  ].join('\n'),
  flags: {
    ...DATA_FLAGS,
    arch: { type: 'string', description: `architecture: ${ARCHITECTURES.join(', ')}`, default: 'cnn', value: 'NAME' },
    width: { type: 'string', description: 'ResNet width multiplier', default: '1', value: 'W' },
    stem: {
      type: 'string',
      description: `ResNet stem: ${RESNET_STEMS.join(', ')} (cifar: 3x3 conv, no max-pool; imagenet: torchvision's 7x7 conv and max-pool)`,
      default: 'cifar',
      value: 'STEM',
    },
    out: { type: 'string', description: 'model directory to write', value: 'DIR' },
    split: { type: 'string', description: 'split file to use (default: draw one with --split-seed)', value: 'FILE' },
    'split-seed': { type: 'string', description: 'seed of the drawn split', default: '0', value: 'N' },
    exclude: {
      type: 'string',
      description: 'forget-set file: train without these ids (the gold model)',
      value: 'FILE',
    },
    ...RECIPE_FLAGS,
    'curriculum-epoch': {
      type: 'string',
      description: `keep the weights after this epoch for TMU's curriculum feature (0: none; default: ${DEFAULT_CURRICULUM_EPOCH}, or the last epoch of a shorter run)`,
      value: 'N',
    },
    resume: { type: 'boolean', description: 'continue an interrupted run from its last epoch checkpoint' },
    force: { type: 'boolean', description: 'overwrite a complete model in --out' },
  },
  async run(flags) {
    const out = requireString(flags, 'out');
    const arch = choiceFlag(flags, 'arch', ARCHITECTURES, 'cnn');
    const width = numberFlag(flags, 'width', 1, Number.MIN_VALUE, 16);
    const stem = choiceFlag(flags, 'stem', RESNET_STEMS, 'cifar');
    const resume = flags.resume === true;
    // Loaded here, not at the top, so that --help and usage errors do not load libtorch.
    const { isModelDir, MODEL_FILES } = await import('../../train/modelStore.js');
    const { trainToDir } = await import('../../train/trainToDir.js');
    if (isModelDir(out) && !flags.force && !resume)
      throw new UsageError(`${out} already holds a trained model; use --force to overwrite it`);
    if (isModelDir(out) && resume) throw new UsageError(`${out} already holds a finished model; nothing to resume`);
    const checkpointPath = join(out, MODEL_FILES.checkpoint);
    if (resume && !existsSync(checkpointPath)) throw new UsageError(`--resume: no checkpoint in ${out}`);

    // Everything that can be wrong with the inputs is checked before the first byte is written.
    const { name, dataDir, data } = loadDatasetFromFlags(flags);
    const recipe = recipeFromFlags(flags, arch, data.augmentDefault);
    // The default must not make a shorter run an error: it keeps the last epoch instead.
    const curriculumEpoch = intFlag(flags, 'curriculum-epoch', Math.min(DEFAULT_CURRICULUM_EPOCH, recipe.epochs), 0);
    if (curriculumEpoch > recipe.epochs)
      throw new UsageError(`--curriculum-epoch ${curriculumEpoch} is beyond --epochs ${recipe.epochs}`);
    const splitFile = optionalString(flags, 'split');
    const split = splitFile
      ? loadSplit(splitFile)
      : makeSplit(data.train, data.test, { seed: intFlag(flags, 'split-seed', 0, 0) });
    if (split.dataset !== data.train.name)
      throw new UsageError(`the split is for ${split.dataset}, not ${data.train.name}`);
    const excludeFile = optionalString(flags, 'exclude');
    const excluded = excludeFile ? loadForget(excludeFile).ids : [];
    if (excluded.length > 0) checkForgetIds(split, data.train, excluded);
    const trainIds = excluded.length > 0 ? retainIds(split, excluded) : split.member;
    const architecture: ArchitectureSpec = {
      name: arch,
      inChannels: data.train.channels,
      numClasses: data.train.numClasses,
      imageSize: data.train.height,
      ...(isResNet(arch) ? { width, stem } : {}),
    };
    const normalize = { mean: data.stats.mean, std: data.stats.std };

    const created = !existsSync(out);
    const progress = consoleProgress({ json: flags.json === true });
    let sidecar: ModelSidecar;
    try {
      sidecar = trainToDir({
        out,
        dataset: { name, dataDir, train: data.train, test: data.test, normalize },
        architecture,
        recipe,
        split,
        excludedIds: excluded,
        curriculumEpoch,
        resume,
        progress,
      });
    } catch (error) {
      // A run that fails before its first checkpoint (a diverging loss) leaves no empty folder behind;
      // rmdir only removes an empty one, so a checkpoint to resume from is kept.
      if (created) {
        try {
          rmdirSync(out);
        } catch {
          // Not empty: keep it.
        }
      }
      throw error;
    }
    const seconds = sidecar.training!.seconds;
    const { testAcc, holdoutAcc } = sidecar.metrics as { testAcc: number; holdoutAcc: number };
    const summary = {
      out,
      digest: sidecar.digest,
      seconds: Number(seconds.toFixed(2)),
      threads: sidecar.training!.threads,
      trainSamples: trainIds.length,
      excluded: excluded.length,
      ...sidecar.metrics,
    };
    printResult(
      flags,
      summary,
      `trained ${arch} on ${trainIds.length} samples in ${summary.seconds} s: test ${testAcc.toFixed(2)}%, holdout ${holdoutAcc.toFixed(2)}%\nmodel ${out} (sha256 ${sidecar.digest})`,
    );
    return 0;
  },
};
