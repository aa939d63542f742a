/**
 * Predictions from a model's production version, and the pilot: while a candidate is piloting, it
 * answers the same inputs in shadow (its answers are never returned) and the disagreements are counted.
 *
 * @module
 */

import { type Dataset, ImageDataset } from '../data/dataset.js';
import { FeatureDataset } from '../data/featureDataset.js';
import type { LoadedDataset } from '../data/registry.js';
import { runningPilot } from '../ledger/jobs.js';
import { getModel, getVersion, type VersionRecord } from '../ledger/models.js';
import type { TokenInfo } from '../ledger/tokens.js';
import type { Classifier } from '../models/classifier.js';
import { loadModelData } from '../train/modelData.js';
import { loadModel, type ModelSidecar } from '../train/modelStore.js';
import { predict } from '../train/predict.js';
import type { DeletionService } from './deletionService.js';
import { notFound, unprocessable } from './errors.js';

/** A predict call: dataset sample ids, or raw images (pixel values 0-255, CHW order, flattened). */
export type PredictInput = { ids: string[]; inputs?: undefined } | { inputs: number[][]; ids?: undefined };

/** One prediction. */
export interface Prediction {
  label: number;
  className: string;
  probabilities: number[];
}

/** What a predict call returns. */
export interface PredictResponse {
  model: string;
  version: string;
  predictions: Prediction[];
}

interface Loaded {
  model: Classifier;
  sidecar: ModelSidecar;
}

/** Keeps the models in use loaded and answers predict calls. */
export class ModelServing {
  private readonly models = new Map<string, Loaded>();
  private readonly datasets = new Map<string, LoadedDataset<Dataset>>();

  constructor(private readonly service: DeletionService) {}

  private async loaded(version: VersionRecord): Promise<Loaded> {
    let entry = this.models.get(version.id);
    if (!entry) {
      const { model, sidecar } = loadModel(this.service.paths.absolute(version.path));
      if (sidecar.digest !== version.digest) {
        model.dispose();
        throw new Error(`version ${version.id}: the weights' digest differs from the ledger's (the files changed)`);
      }
      model.eval();
      entry = { model, sidecar };
      this.models.set(version.id, entry);
      await this.evict();
    }
    return entry;
  }

  /** Keeps only production and piloting versions in memory. */
  private async evict(): Promise<void> {
    const keep = new Set<string>();
    for (const model of await this.service.listModelViews()) {
      keep.add(model.productionVersion);
      if (model.pilot) keep.add(model.pilot.versionId);
    }
    for (const [id, entry] of this.models) {
      if (!keep.has(id)) {
        entry.model.dispose();
        this.models.delete(id);
      }
    }
  }

  private dataset(sidecar: ModelSidecar): LoadedDataset<Dataset> {
    // A table's encoding belongs to one model version (each deletion refits its preprocessing).
    const key = sidecar.dataset.table
      ? `table|${sidecar.digest}`
      : `${sidecar.dataset.name}|${sidecar.dataset.dataDir ?? ''}`;
    let data = this.datasets.get(key);
    if (!data) {
      data = loadModelData(sidecar.dataset);
      this.datasets.set(key, data);
    }
    return data;
  }

  /** The images of a predict call as a dataset, validated against the model's input shape. */
  private inputsOf(sidecar: ModelSidecar, input: PredictInput): { dataset: Dataset; ids: string[] } {
    const data = this.dataset(sidecar);
    if (data.train instanceof FeatureDataset && data.test instanceof FeatureDataset) {
      const { train, test } = data;
      if (!input.ids) throw unprocessable('this model reads table rows: send the rows by sample id ("ids")');
      const unknown = input.ids.filter((id) => !train.has(id) && !test.has(id));
      if (unknown.length > 0)
        throw unprocessable(
          `unknown sample ids: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`,
          { unknown: { ids: unknown.slice(0, 100), count: unknown.length } },
        );
      const features = new Float32Array(input.ids.length * train.width);
      input.ids.forEach((id, i) => {
        const source = train.has(id) ? train : test;
        features.set(source.rowAt(source.indexOf(id)), i * train.width);
      });
      const dataset = new FeatureDataset({
        name: 'predict',
        partition: 'test',
        features,
        width: train.width,
        labels: new Int32Array(input.ids.length),
        classNames: train.classNames,
      });
      return { dataset, ids: this.adHocIds(input.ids.length) };
    }
    if (!(data.train instanceof ImageDataset)) throw unprocessable('this model does not take images');
    const images0 = data.train;
    if (input.ids) {
      const unknown: string[] = [];
      const train: string[] = [];
      for (const id of input.ids) {
        if (data.train.has(id)) train.push(id);
        else if (!data.test.has(id)) unknown.push(id);
      }
      if (unknown.length > 0)
        throw unprocessable(
          `unknown sample ids: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`,
          { unknown: { ids: unknown.slice(0, 100), count: unknown.length } },
        );
      // Mixed partitions are answered in the caller's order from one dataset built for the call.
      const images = new Uint8Array(input.ids.length * images0.imageSize);
      input.ids.forEach((id, i) => {
        const source = (data.train.has(id) ? data.train : data.test) as ImageDataset;
        images.set(source.imageAt(source.indexOf(id)), i * images0.imageSize);
      });
      return { dataset: this.adHoc(images0, images, input.ids.length), ids: this.adHocIds(input.ids.length) };
    }
    const size = images0.imageSize;
    const images = new Uint8Array(input.inputs.length * size);
    input.inputs.forEach((row, i) => {
      if (row.length !== size)
        throw unprocessable(
          `inputs[${i}] has ${row.length} values; the model takes ${images0.channels}x${images0.height}x${images0.width} = ${size} pixel values (0-255, CHW order)`,
        );
      for (let j = 0; j < size; j++) {
        const value = row[j]!;
        if (!Number.isInteger(value) || value < 0 || value > 255)
          throw unprocessable(`inputs[${i}][${j}] is ${value}; pixel values must be integers in 0-255`);
        images[i * size + j] = value;
      }
    });
    return { dataset: this.adHoc(images0, images, input.inputs.length), ids: this.adHocIds(input.inputs.length) };
  }

  private adHoc(like: ImageDataset, images: Uint8Array, n: number): ImageDataset {
    return new ImageDataset({
      name: 'predict',
      partition: 'test',
      images,
      labels: new Int32Array(n),
      channels: like.channels,
      height: like.height,
      width: like.width,
      classNames: like.classNames,
    });
  }

  private adHocIds(n: number): string[] {
    return Array.from({ length: n }, (_, i) => `predict/test/${i}`);
  }

  private run(entry: Loaded, dataset: Dataset, ids: string[]): { predicted: Int32Array; probabilities: number[][] } {
    const out = predict(entry.model, dataset, ids, { normalize: entry.sidecar.dataset.normalize, logits: true });
    const probabilities: number[][] = [];
    for (let i = 0; i < ids.length; i++) {
      const row = Array.from(out.logits!.subarray(i * out.numClasses, (i + 1) * out.numClasses));
      const max = Math.max(...row);
      const exps = row.map((value) => Math.exp(value - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      probabilities.push(exps.map((value) => Number((value / sum).toFixed(6))));
    }
    return { predicted: out.predicted, probabilities };
  }

  /**
   * Answers a predict call from the production version. While a candidate pilots, a client token's
   * inputs are also answered by the candidate in shadow and the disagreements counted; other roles'
   * calls are answered but not counted, so no test or back-office traffic can decide a pilot.
   */
  async predict(modelId: string, input: PredictInput, token: TokenInfo): Promise<PredictResponse> {
    const model = await getModel(this.service.ledger, modelId);
    if (!model) throw notFound('model', modelId);
    const production = (await getVersion(this.service.ledger, model.productionVersion))!;
    const entry = await this.loaded(production);
    const { dataset, ids } = this.inputsOf(entry.sidecar, input);
    const answer = this.run(entry, dataset, ids);
    const pilot = token.role === 'client' ? await runningPilot(this.service.ledger, modelId) : null;
    if (pilot) {
      const candidate = await this.loaded((await getVersion(this.service.ledger, pilot.versionId))!);
      const shadow = this.run(candidate, dataset, ids);
      let disagreements = 0;
      for (let i = 0; i < ids.length; i++) if (shadow.predicted[i] !== answer.predicted[i]) disagreements++;
      await this.service.recordPilot(modelId, token, ids.length, disagreements);
    }
    const classNames = dataset.classNames;
    return {
      model: modelId,
      version: production.id,
      predictions: Array.from(answer.predicted, (label, i) => ({
        label,
        className: classNames[label] ?? String(label),
        probabilities: answer.probabilities[i]!,
      })),
    };
  }

  /** Frees every loaded model. */
  close(): void {
    for (const entry of this.models.values()) entry.model.dispose();
    this.models.clear();
  }
}
