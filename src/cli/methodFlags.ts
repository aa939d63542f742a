import { parseParamPairs } from '../unlearn/params.js';
import type { FlagSpec, FlagValues } from './command.js';
import { UsageError } from './command.js';

/** --param and the --features shortcut of TMU's predictor, shared by the commands that configure a method. */
export const METHOD_PARAM_FLAGS: Record<string, FlagSpec> = {
  param: { type: 'string', multiple: true, description: 'method parameter key=value', value: 'K=V' },
  features: {
    type: 'string',
    description:
      'TMU: features of the predictor, comma-separated (distance, adversarial, curriculum, neighbourhood: the default; the reference configuration is distance,adversarial,curriculum); same as --param features=...',
    value: 'LIST',
  },
};

/** The raw method parameters the flags give (validated later against the method's schema). */
export function methodParamsFromFlags(flags: FlagValues): Record<string, unknown> {
  const rawParams = parseParamPairs((flags.param as string[] | undefined) ?? []);
  const features = flags.features;
  if (typeof features === 'string') {
    if ('features' in rawParams)
      throw new UsageError('give the features once: --features or --param features=..., not both');
    rawParams.features = features
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
  }
  return rawParams;
}
