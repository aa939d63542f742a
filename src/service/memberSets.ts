/**
 * The sample ids a registered model can forget: the members of its split. Loaded once per model from the
 * model's split.json (checked against the digest recorded at registration) and kept in memory.
 *
 * @module
 */

import { join } from 'node:path';
import { loadSplit, type Split, splitDigest } from '../data/split.js';
import type { ModelRecord } from '../ledger/models.js';
import { MODEL_FILES } from '../train/modelStore.js';

/** A model's split as sets, for validating ids. */
export interface MemberSet {
  split: Split;
  members: Set<string>;
  nonMembers: Set<string>;
}

/** Loads and caches the member sets of registered models. */
export class MemberSets {
  private readonly cache = new Map<string, MemberSet>();

  constructor(private readonly absolute: (relativePath: string) => string) {}

  /** The member set of `model`. */
  of(model: ModelRecord): MemberSet {
    const cached = this.cache.get(model.id);
    if (cached) return cached;
    const file = join(this.absolute(model.path), MODEL_FILES.split);
    const split = loadSplit(file);
    if (splitDigest(split) !== model.splitDigest)
      throw new Error(
        `${file} changed since model '${model.id}' was registered (split digest differs from the ledger's)`,
      );
    const set: MemberSet = {
      split,
      members: new Set(split.member),
      nonMembers: new Set([...split.holdout, ...split.test]),
    };
    this.cache.set(model.id, set);
    return set;
  }
}
