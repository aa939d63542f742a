/**
 * The *evaluate* stage, run in the job worker right after unlearning: test accuracy of the candidate
 * against its parent, accuracy on the newly forgotten ids, MIA-efficacy on them against a holdout
 * reference, TMU's easy/hard split, and optionally the exact audit (retrain the gold model).
 *
 * @module
 */

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NormalizeOptions } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { Random } from '../data/random.js';
import type { LoadedDataset } from '../data/registry.js';
import type { Split } from '../data/split.js';
import { miaEfficacy } from '../eval/mia.js';
import type { SetOutputs } from '../eval/outputs.js';
import type { Classifier } from '../models/classifier.js';
import { loadModel, type ModelSidecar } from '../train/modelStore.js';
import { accuracy, predict } from '../train/predict.js';
import type { ProgressSink } from '../train/progress.js';
import { trainToDir } from '../train/trainToDir.js';
import { type CandidateMetrics, evaluateGates } from './gates.js';
import type { EvaluateReport, JobSpec } from './jobSpec.js';

/** How many samples the membership attack trains on per side (members from Dr, non-members from T). */
const ATTACK_SAMPLES = 2000;

// The model's own input normalisation (its sidecar's): an imported model may take raw [0, 1] pixels.
function outputs(
  model: Classifier,
  data: LoadedDataset<Dataset>,
  partition: 'train' | 'test',
  ids: readonly string[],
  normalize: NormalizeOptions,
): SetOutputs {
  const dataset = partition === 'train' ? data.train : data.test;
  const result = predict(model, dataset, ids, { normalize, logits: true });
  return { ids, labels: result.labels, logits: result.logits!, numClasses: result.numClasses };
}

function percentCorrect(out: SetOutputs): number {
  let correct = 0;
  for (let i = 0; i < out.labels.length; i++) {
    let best = 0;
    for (let c = 1; c < out.numClasses; c++)
      if (out.logits[i * out.numClasses + c]! > out.logits[i * out.numClasses + best]!) best = c;
    if (best === out.labels[i]) correct++;
  }
  return out.labels.length === 0 ? Number.NaN : (100 * correct) / out.labels.length;
}

/** Inputs of {@link evaluateCandidate}. */
export interface EvaluateInputs {
  spec: JobSpec;
  /** The data as the candidate reads it (a table: encoded with the preprocessing refitted on Dr). */
  data: LoadedDataset<Dataset>;
  /** The data as the parent reads it, where that differs (a table model's earlier version). */
  parentData?: LoadedDataset<Dataset>;
  /** The split of the root model, members as trained. */
  split: Split;
  /** Members left after the cumulative forget set (Dr). */
  retainIds: readonly string[];
  parent: Classifier;
  candidate: Classifier;
  rootSidecar: ModelSidecar;
  summary: Record<string, unknown>;
  params: Record<string, unknown>;
  unlearnSeconds: number;
  progress: ProgressSink;
  /** Where the audit's gold model may be trained (removed afterwards). */
  scratchDir: string;
}

/** Measures the candidate, applies the gates and returns the evaluate report. */
export function evaluateCandidate(inputs: EvaluateInputs): EvaluateReport {
  const { spec, data, split, parent, candidate } = inputs;
  const normalize = inputs.rootSidecar.dataset.normalize;
  const started = performance.now();
  const random = new Random(spec.seed).fork(`service/${spec.jobId}`);
  const task = inputs.progress.task('evaluate', 4);
  const parentData = inputs.parentData ?? data;
  const parentTest = outputs(parent, parentData, 'test', split.test, normalize);
  const candidateTest = outputs(candidate, data, 'test', split.test, normalize);
  task.tick();
  const parentForget = outputs(parent, parentData, 'train', spec.newIds, normalize);
  const candidateForget = outputs(candidate, data, 'train', spec.newIds, normalize);
  task.tick();
  // The attack is trained on the candidate's own outputs: a retain sample (members) against test samples
  // (non-members), then applied to every forgotten id (this job's and earlier ones: all must look unseen)
  // and, as the reference, to holdout samples of their classes.
  const members = outputs(
    candidate,
    data,
    'train',
    random.fork('members').sample(inputs.retainIds, Math.min(ATTACK_SAMPLES, inputs.retainIds.length)),
    normalize,
  );
  const nonMemberIds = random.fork('non-members').sample(split.test, Math.min(ATTACK_SAMPLES, split.test.length));
  const nonMembers = outputs(candidate, data, 'test', nonMemberIds, normalize);
  const allForgotten =
    spec.forgetIds.length === spec.newIds.length
      ? candidateForget
      : outputs(candidate, data, 'train', spec.forgetIds, normalize);
  const forgetClasses = new Set(allForgotten.labels);
  const holdoutSameClasses = split.holdout.filter((id) =>
    forgetClasses.has(data.train.labels[data.train.indexOf(id)]!),
  );
  const referenceIds = random
    .fork('reference')
    .sample(holdoutSameClasses, Math.min(holdoutSameClasses.length, Math.max(200, spec.forgetIds.length)));
  if (referenceIds.length === 0)
    throw new Error('the model has no holdout samples of the forgotten classes: the MIA reference cannot be measured');
  const reference = outputs(candidate, data, 'train', referenceIds, normalize);
  const mia = miaEfficacy({ members, nonMembers, target: allForgotten }, spec.seed);
  const miaReference = miaEfficacy({ members, nonMembers, target: reference }, spec.seed);
  task.tick();
  const summary = inputs.summary;
  const metrics: CandidateMetrics = {
    parentTestAcc: percentCorrect(parentTest),
    candidateTestAcc: percentCorrect(candidateTest),
    testAccDrop: percentCorrect(parentTest) - percentCorrect(candidateTest),
    parentForgetAcc: percentCorrect(parentForget),
    candidateForgetAcc: percentCorrect(candidateForget),
    miaEfficacy: mia.efficacy,
    miaReference: miaReference.efficacy,
    easy: typeof summary.easy === 'number' ? summary.easy : null,
    hard: typeof summary.hard === 'number' ? summary.hard : null,
    forgetCount: spec.forgetIds.length,
    newIds: spec.newIds.length,
  };
  const verdict = evaluateGates(metrics, spec.gates);
  task.done({ passed: verdict.passed ? 1 : 0 });
  const evaluateSeconds = (performance.now() - started) / 1000;
  const audit = spec.audit ? exactAudit(inputs, candidate) : null;
  return {
    passed: verdict.passed,
    gates: verdict.gates,
    metrics,
    seconds: { unlearn: inputs.unlearnSeconds, evaluate: evaluateSeconds, audit: audit?.seconds ?? null },
    audit,
    method: spec.method,
    params: inputs.params,
    summary,
  };
}

/** Retrains the gold model on the root's members minus every forgotten id and compares. */
function exactAudit(inputs: EvaluateInputs, candidate: Classifier): NonNullable<EvaluateReport['audit']> {
  const { spec, data, split, rootSidecar } = inputs;
  if (!rootSidecar.recipe) throw new Error("the audit needs the root model's training recipe");
  const started = performance.now();
  const dir = join(inputs.scratchDir, 'audit-gold');
  try {
    trainToDir({
      out: dir,
      dataset: {
        name: rootSidecar.dataset.name,
        dataDir: rootSidecar.dataset.dataDir,
        train: data.train,
        test: data.test,
        normalize: rootSidecar.dataset.normalize,
      },
      architecture: rootSidecar.architecture,
      recipe: rootSidecar.recipe,
      split,
      excludedIds: spec.forgetIds,
      curriculumEpoch: 0,
      progress: inputs.progress,
    });
    const gold = loadModel(dir);
    try {
      const goldForget = predict(gold.model, data.train, spec.forgetIds, { normalize: rootSidecar.dataset.normalize });
      const candidateForget = predict(candidate, data.train, spec.forgetIds, {
        normalize: rootSidecar.dataset.normalize,
      });
      let agree = 0;
      candidateForget.predicted.forEach((value, i) => {
        if (value === goldForget.predicted[i]) agree++;
      });
      const goldForgetAcc = accuracy(goldForget);
      return {
        goldTestAcc: accuracy(predict(gold.model, data.test, split.test, { normalize: rootSidecar.dataset.normalize })),
        goldForgetAcc,
        forgetGap: Math.abs(accuracy(candidateForget) - goldForgetAcc),
        agreement: (100 * agree) / spec.forgetIds.length,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      gold.model.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
