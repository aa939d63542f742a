import { existsSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkForgetIds, loadForget, retainIds } from '../../data/forget.js';
import { fitPreprocessing } from '../../data/preprocessing.js';
import { loadSplit, makeSplit } from '../../data/split.js';
import { encodeTable, encodeTextTable, IDENTITY_NORMALIZE } from '../../data/tableDataset.js';
import { fitVocabulary } from '../../data/vocabulary.js';
import { ARCHITECTURES, type ArchitectureSpec, isResNet, RESNET_STEMS } from '../../models/architectureSpec.js';
import type { ModelSidecar } from '../../train/modelStore.js';
import { consoleProgress } from '../../train/progress.js';
import { DEFAULT_CURRICULUM_EPOCH } from '../../train/recipe.js';
import type { Command, FlagValues } from '../command.js';
import { choiceFlag, intFlag, numberFlag, optionalString, printResult, requireString, UsageError } from '../command.js';
import { DATA_FLAGS, isTableDataset, isTextDataset, loadDatasetFromFlags, openTableFromFlags } from '../dataFlags.js';
import { RECIPE_FLAGS, recipeFromFlags } from '../recipeFlags.js';

/** `--hidden 64,32`: MLP hidden widths. */
function hiddenFlag(flags: FlagValues, fallback: number[] | undefined): number[] | undefined {
  const given = optionalString(flags, 'hidden');
  if (given === undefined) return fallback;
  const widths = given.split(',').map((w) => Number(w.trim()));
  if (widths.length === 0 || widths.some((w) => !Number.isInteger(w) || w < 1 || w > 65_536))
    throw new UsageError(`--hidden ${given}: expected positive integer widths separated by commas, e.g. 64,32`);
  return widths;
}

/** `tmu train`: trains the original model on D, or with --exclude the gold model on D \ Df. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model on the member set (or, with --exclude, the gold model on the retain set)',
  details: [
    'Examples:',
    '  tmu train --dataset fashion-mnist --arch cnn --epochs 10 --seed 0 --out runs/original',
    '  tmu train --arch cnn --epochs 10 --seed 0 --split runs/original/split.json --exclude runs/forget.json --out runs/gold',
    '  tmu train --dataset csv --data customers.csv.gz --label churn --arch mlp --hidden 64,32 --out runs/churn',
    '  tmu train --dataset text-csv --data reviews.csv.gz --text review --label score --out runs/reviews',
    'Writes DIR/model.safetensors (PyTorch-loadable), DIR/model.json (sidecar with the SHA-256 digest),',
    "DIR/split.json and DIR/curriculum.safetensors (the weights after --curriculum-epoch, TMU's curriculum model).",
    'A checkpoint is written after every epoch; after an interruption, rerun with --resume.',
    'A table (--dataset csv) is preprocessed with statistics of the member rows only (standardised numbers,',
    'missing values imputed with an indicator column, one-hot categories with an unseen bucket), stored in',
    "the sidecar with the file's SHA-256: a changed file is refused later. Tables default to --arch mlp.",
  ].join('\n'),
  flags: {
    ...DATA_FLAGS,
    arch: {
      type: 'string',
      description: `architecture: ${ARCHITECTURES.join(', ')} (default: cnn, tables mlp)`,
      value: 'NAME',
    },
    width: { type: 'string', description: 'ResNet width multiplier', default: '1', value: 'W' },
    stem: {
      type: 'string',
      description: `ResNet stem: ${RESNET_STEMS.join(', ')} (cifar: 3x3 conv, no max-pool; imagenet: torchvision's 7x7 conv and max-pool)`,
      default: 'cifar',
      value: 'STEM',
    },
    hidden: { type: 'string', description: 'MLP hidden widths (default: 256,128; tables 128,64)', value: 'W,W' },
    dropout: { type: 'string', description: 'MLP dropout after each hidden block', default: '0', value: 'P' },
    'batch-norm': { type: 'boolean', description: 'MLP batch normalisation after each hidden linear layer' },
    'min-count': {
      type: 'string',
      description: 'text: a token enters the vocabulary when it occurs this often among the members',
      default: '2',
      value: 'N',
    },
    'max-tokens': { type: 'string', description: 'text: tokens read per document', default: '200', value: 'N' },
    'embedding-dim': { type: 'string', description: 'text: embedding width', default: '64', value: 'N' },
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
    const table = isTableDataset(flags);
    const text = isTextDataset(flags);
    const arch = choiceFlag(flags, 'arch', ARCHITECTURES, text ? 'fasttext' : table ? 'mlp' : 'cnn');
    if (text && arch !== 'fasttext')
      throw new UsageError(`--arch ${arch} reads no text; text is learnt with --arch fasttext`);
    if (table && !text && arch !== 'mlp')
      throw new UsageError(`--arch ${arch} takes images; a table is learnt with --arch mlp`);
    if (!table && arch === 'fasttext') throw new UsageError('--arch fasttext reads text: use --dataset text-csv');
    const hidden = hiddenFlag(flags, text ? [64] : table ? [128, 64] : undefined);
    const dropout = numberFlag(flags, 'dropout', 0, 0, 0.999);
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
    const opened = table ? openTableFromFlags(flags) : undefined;
    const { name, dataDir, data } = opened
      ? { name: opened.train.name, dataDir: null, data: undefined }
      : loadDatasetFromFlags(flags);
    const recipe = recipeFromFlags(flags, arch, data?.augmentDefault ?? false, table);
    // The default must not make a shorter run an error: it keeps the last epoch instead.
    const curriculumEpoch = intFlag(flags, 'curriculum-epoch', Math.min(DEFAULT_CURRICULUM_EPOCH, recipe.epochs), 0);
    if (curriculumEpoch > recipe.epochs)
      throw new UsageError(`--curriculum-epoch ${curriculumEpoch} is beyond --epochs ${recipe.epochs}`);
    const splitFile = optionalString(flags, 'split');
    const source = opened ? opened : data!;
    const split = splitFile
      ? loadSplit(splitFile)
      : makeSplit(source.train, source.test, { seed: intFlag(flags, 'split-seed', 0, 0) });
    if (split.dataset !== source.train.name)
      throw new UsageError(`the split is for ${split.dataset}, not ${source.train.name}`);
    const excludeFile = optionalString(flags, 'exclude');
    const excluded = excludeFile ? loadForget(excludeFile).ids : [];
    const trainIds = excluded.length > 0 ? retainIds(split, excluded) : split.member;
    // A table's preprocessing (a text's vocabulary) is fitted on the rows the model trains on: a gold
    // model's never saw Df.
    const trainRows = opened?.train.indicesOf(trainIds);
    const encoded =
      opened && trainRows
        ? text
          ? encodeTextTable(
              opened,
              fitVocabulary(opened.train, opened.ref.text!, trainRows, {
                minCount: intFlag(flags, 'min-count', 2, 1),
                maxTokens: intFlag(flags, 'max-tokens', 200, 1, 100_000),
              }),
            )
          : encodeTable(opened, fitPreprocessing(opened.train, trainRows))
        : undefined;
    const images = data;
    const train = encoded ? encoded.train : images!.train;
    const test = encoded ? encoded.test : images!.test;
    if (excluded.length > 0) checkForgetIds(split, train, excluded);
    const architecture: ArchitectureSpec = encoded
      ? 'vocabulary' in encoded
        ? {
            name: arch,
            inChannels: encoded.vocabulary.maxTokens,
            numClasses: train.numClasses,
            imageSize: 1,
            numTokens: encoded.vocabulary.tokens.length + 1,
            embeddingDim: intFlag(flags, 'embedding-dim', 64, 1, 4096),
            ...(hidden ? { hidden } : {}),
          }
        : {
            name: arch,
            inChannels: encoded.preprocessing.width,
            numClasses: train.numClasses,
            imageSize: 1,
            ...(hidden ? { hidden } : {}),
            ...(dropout > 0 ? { dropout } : {}),
            ...(flags['batch-norm'] === true ? { batchNorm: true } : {}),
          }
      : {
          name: arch,
          inChannels: images!.train.channels,
          numClasses: images!.train.numClasses,
          imageSize: images!.train.height,
          ...(isResNet(arch) ? { width, stem } : {}),
          ...(arch === 'mlp' && hidden ? { hidden } : {}),
          ...(arch === 'mlp' && dropout > 0 ? { dropout } : {}),
          ...(arch === 'mlp' && flags['batch-norm'] === true ? { batchNorm: true } : {}),
        };
    const normalize = encoded
      ? { mean: [...IDENTITY_NORMALIZE.mean], std: [...IDENTITY_NORMALIZE.std] }
      : { mean: images!.stats.mean, std: images!.stats.std };

    const created = !existsSync(out);
    const progress = consoleProgress({ json: flags.json === true });
    let sidecar: ModelSidecar;
    try {
      sidecar = trainToDir({
        out,
        dataset: {
          name,
          dataDir,
          train,
          test,
          normalize,
          ...(encoded ? { table: encoded.table.ref } : {}),
          ...(encoded && 'preprocessing' in encoded ? { preprocessing: encoded.preprocessing } : {}),
          ...(encoded && 'vocabulary' in encoded ? { vocabulary: encoded.vocabulary } : {}),
        },
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
