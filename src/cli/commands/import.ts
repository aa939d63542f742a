import { resolve } from 'node:path';
import { loadSplit } from '../../data/split.js';
import { ARCHITECTURES, isResNet, RESNET_STEMS } from '../../models/architectureSpec.js';
import type { Command, FlagValues } from '../command.js';
import { choiceFlag, numberFlag, optionalString, printResult, requireString, UsageError } from '../command.js';
import { DATA_FLAGS, loadDatasetFromFlags } from '../dataFlags.js';
import { RECIPE_FLAGS, recipeFromFlags } from '../recipeFlags.js';

/** Parses `--normalize none|MEANS:STDS` for a dataset with `channels` channels. */
export function parseNormalize(text: string, channels: number): { mean: number[]; std: number[] } {
  if (text === 'none') return { mean: new Array(channels).fill(0), std: new Array(channels).fill(1) };
  const parts = text.split(':');
  const numbers = (part: string | undefined) => (part ?? '').split(',').map((value) => Number(value.trim()));
  const [mean, std] = [numbers(parts[0]), numbers(parts[1])];
  if (parts.length !== 2 || mean.some((v) => !Number.isFinite(v)) || std.some((v) => !(v > 0)))
    throw new UsageError(`--normalize must be none or MEANS:STDS (e.g. 0.49,0.48,0.45:0.25,0.24,0.26), got '${text}'`);
  if (mean.length !== channels || std.length !== channels)
    throw new UsageError(
      `--normalize gives ${mean.length} mean(s) and ${std.length} std(s); the dataset has ${channels} channel(s)`,
    );
  return { mean, std };
}

function architectureFromFlags(flags: FlagValues) {
  const arch = optionalString(flags, 'arch');
  if (arch === undefined) return undefined;
  const name = choiceFlag(flags, 'arch', ARCHITECTURES, 'cnn');
  return isResNet(name)
    ? {
        name,
        stem: choiceFlag(flags, 'stem', RESNET_STEMS, 'cifar'),
        width: numberFlag(flags, 'width', 1, Number.MIN_VALUE, 16),
      }
    : { name };
}

/** `tmu import`: brings a user's PyTorch model into the model store. */
export const importCommand: Command = {
  name: 'import',
  summary: 'bring your own PyTorch model (TorchScript, or a torchvision state dict) into a tmu model directory',
  details: [
    'Examples:',
    '  tmu import --model net.pt --dataset fashion-mnist --split split.json --out runs/mine',
    '  tmu import --model resnet18.pth --arch resnet18 --stem cifar --dataset cifar10 --data-dir data/cifar10 \\',
    '      --split split.json --normalize 0.49,0.48,0.45:0.25,0.24,0.26 --lr 0.1 --epochs 30 --out runs/resnet',
    'The model file is a TorchScript archive (torch.jit.script(model).save or torch.jit.trace), a state dict',
    "(torch.save(model.state_dict(), path)) or safetensors; a state dict needs --arch. SPLIT.json has tmu's",
    'split format: "member" (the ids the model was trained on), "holdout" (ids it never saw) and "test".',
    'The recipe flags say how methods that fine-tune or retrain the model train it. tmu unlearn writes the',
    'unlearned model in the form it came in (model.pt or model.pth), plus model.safetensors.',
  ].join('\n'),
  flags: {
    model: {
      type: 'string',
      description: 'your model file (.pt TorchScript, .pth state dict, .safetensors)',
      value: 'FILE',
    },
    ...DATA_FLAGS,
    split: { type: 'string', description: 'split file: member, holdout and test ids', value: 'SPLIT.json' },
    normalize: {
      type: 'string',
      description: 'what the model receives: none (pixels in [0, 1]) or MEANS:STDS per channel',
      default: 'none',
      value: 'none|MEANS:STDS',
    },
    arch: {
      type: 'string',
      description: `architecture of a state dict: ${ARCHITECTURES.join(', ')}`,
      value: 'NAME',
    },
    stem: { type: 'string', description: `ResNet stem: ${RESNET_STEMS.join(', ')}`, default: 'cifar', value: 'STEM' },
    width: { type: 'string', description: 'ResNet width multiplier', default: '1', value: 'W' },
    ...RECIPE_FLAGS,
    curriculum: {
      type: 'string',
      description: "an early checkpoint of your training run (same format), for TMU's curriculum feature",
      value: 'FILE',
    },
    out: { type: 'string', description: 'model directory to write', value: 'DIR' },
    force: { type: 'boolean', description: 'overwrite a model in --out' },
  },
  async run(flags) {
    const modelFile = resolve(requireString(flags, 'model'));
    const splitFile = requireString(flags, 'split');
    const out = requireString(flags, 'out');
    const architecture = architectureFromFlags(flags);
    const { isModelDir } = await import('../../train/modelStore.js');
    if (isModelDir(out) && !flags.force)
      throw new UsageError(`${out} already holds a model; use --force to overwrite it`);
    const { name, dataDir, data } = loadDatasetFromFlags(flags);
    const normalize = parseNormalize(optionalString(flags, 'normalize') ?? 'none', data.train.channels);
    const recipe = recipeFromFlags(flags, architecture?.name ?? 'torchscript', data.augmentDefault);
    const split = loadSplit(splitFile, { defaultTest: data.test.ids });
    const curriculum = optionalString(flags, 'curriculum');
    const { importModel } = await import('../../train/importModel.js');
    const sidecar = importModel({
      modelFile,
      ...(architecture ? { architecture } : {}),
      dataset: { name, dataDir, train: data.train, test: data.test },
      normalize,
      split,
      recipe,
      ...(curriculum ? { curriculumFile: resolve(curriculum) } : {}),
      out,
    });
    const { testAcc, holdoutAcc } = sidecar.metrics as { testAcc: number; holdoutAcc: number };
    printResult(
      flags,
      { out, digest: sidecar.digest, origin: sidecar.origin, ...sidecar.metrics },
      `imported ${sidecar.origin?.format} ${modelFile}: test ${testAcc.toFixed(2)}%, holdout ${holdoutAcc.toFixed(2)}%\nmodel ${out} (sha256 ${sidecar.digest})`,
    );
    return 0;
  },
};
