/**
 * Forget sets: which member samples a deletion request (or an evaluation scenario) removes.
 *
 * Scenarios, as in DESIGN.md section 4: `subclass` (a fraction of one class's member samples, the TMU
 * paper's setting), `random` (a fraction of the member set), `class` (all member samples of a class)
 * and `ids` (an explicit list: a real deletion request). Whatever the scenario, a forget set must be a
 * non-empty proper subset of the member set D without repeats; anything else is rejected with the
 * offending ids, because unlearning a sample the model never trained on is meaningless and unlearning
 * all of D leaves nothing to keep.
 *
 * @module
 */

import type { Dataset } from './dataset.js';
import { DataFormatError, listIds, SelectionError } from './errors.js';
import { isJsonObject, readJson, writeTextAtomic } from './files.js';
import { Random } from './random.js';
import { matchRows, parseCondition } from './rowFilter.js';
import type { Split } from './split.js';
import type { TabularData } from './tabularData.js';

/** The forget-set scenarios. */
export type ForgetScenario = 'subclass' | 'random' | 'class' | 'ids' | 'where';

/** The scenario names, in documentation order. */
export const FORGET_SCENARIOS: readonly ForgetScenario[] = ['subclass', 'random', 'class', 'ids', 'where'];

/** How to choose a forget set. A class is named by index or by class name. */
export type ForgetSpec =
  | { scenario: 'subclass'; class: number | string; fraction: number }
  | { scenario: 'random'; fraction: number }
  | { scenario: 'class'; class: number | string }
  | { scenario: 'ids'; ids: readonly string[] }
  /** Every member row of a table matching all the conditions (see {@link parseCondition}). */
  | { scenario: 'where'; where: readonly string[]; rows: TabularData };

/** The parameters a forget set was chosen with (those that apply to its scenario). */
export interface ForgetParams {
  /** Class index (`subclass`, `class`). */
  class?: number;
  /** Class name (`subclass`, `class`). */
  className?: string;
  /** Fraction drawn (`subclass`: of the class's members; `random`: of D). */
  fraction?: number;
  /** Seed of the draw (`subclass`, `random`). */
  seed?: number;
  /** The filter's conditions, `; `-separated (`where`). */
  where?: string;
}

/** A forget set Df. */
export interface ForgetSet {
  /** How it was chosen. */
  scenario: ForgetScenario;
  /** The parameters it was chosen with. */
  params: ForgetParams;
  /** The sample ids to forget: member ids, no repeats. */
  ids: string[];
}

/** Keys a saved forget set's `params` may hold, with their JSON types. */
const PARAM_TYPES: Record<keyof ForgetParams, 'integer' | 'string' | 'number'> = {
  class: 'integer',
  className: 'string',
  fraction: 'number',
  seed: 'integer',
  where: 'string',
};

/** Format tag written into forget-set files. */
const FORMAT = 'tmu-forget';
const VERSION = 1;

/**
 * Chooses a forget set from the member set of a split.
 *
 * Drawn sets (`subclass`, `random`) are listed in member-set order; an `ids` set keeps the order given.
 * Counts are rounded to the nearest integer and at least 1.
 *
 * @param split - the split whose member set the forget set comes from
 * @param train - the train partition the split was made from (for labels and class names)
 * @param spec - scenario and parameters
 * @param seed - seed of the draw; required for `subclass` and `random`, ignored otherwise
 * @returns the forget set
 * @throws SelectionError for a bad fraction or class (`bad-parameter`), a class without members
 *   (`empty`), or any violation listed by {@link checkForgetIds}
 */
export function selectForget(split: Split, train: Dataset, spec: ForgetSpec, seed?: number): ForgetSet {
  if (split.dataset !== train.name) {
    throw new SelectionError('bad-parameter', `the split is of ${split.dataset} but the dataset is ${train.name}`);
  }
  let forget: ForgetSet;
  switch (spec.scenario) {
    case 'subclass': {
      const fraction = checkFraction(spec.fraction, true);
      const drawSeed = checkSeed(seed);
      const { index, name } = resolveClass(train, spec.class);
      const positions = memberPositionsOfClass(split, train, index, name);
      const count = Math.max(1, Math.round(fraction * positions.length));
      const chosen = new Random(drawSeed)
        .fork('forget/subclass')
        .sample(positions, count)
        .sort((a, b) => a - b);
      forget = {
        scenario: 'subclass',
        params: { class: index, className: name, fraction, seed: drawSeed },
        ids: chosen.map((p) => split.member[p]),
      };
      break;
    }
    case 'random': {
      const fraction = checkFraction(spec.fraction, false);
      const drawSeed = checkSeed(seed);
      const count = Math.max(1, Math.round(fraction * split.member.length));
      const chosen = new Random(drawSeed)
        .fork('forget/random')
        .permutation(split.member.length)
        .subarray(0, count)
        .sort();
      forget = {
        scenario: 'random',
        params: { fraction, seed: drawSeed },
        ids: Array.from(chosen, (p) => split.member[p]),
      };
      break;
    }
    case 'class': {
      const { index, name } = resolveClass(train, spec.class);
      const positions = memberPositionsOfClass(split, train, index, name);
      forget = {
        scenario: 'class',
        params: { class: index, className: name },
        ids: positions.map((p) => split.member[p]),
      };
      break;
    }
    case 'ids': {
      if (!Array.isArray(spec.ids)) throw new SelectionError('bad-parameter', 'the ids scenario needs an array of ids');
      forget = { scenario: 'ids', params: {}, ids: [...spec.ids] };
      break;
    }
    case 'where': {
      if (spec.where.length === 0) throw new SelectionError('bad-parameter', 'the where scenario needs a condition');
      const rows = matchRows(spec.rows, spec.where.map(parseCondition));
      const members = new Set(split.member);
      const ids = Array.from(rows, (i) => spec.rows.ids[i]!).filter((id) => members.has(id));
      if (ids.length === 0) throw new SelectionError('empty', `no member row matches ${spec.where.join(' and ')}`);
      forget = { scenario: 'where', params: { where: spec.where.join('; ') }, ids };
      break;
    }
    default: {
      const unknown: { scenario: unknown } = spec;
      throw new SelectionError(
        'bad-parameter',
        `unknown forget scenario ${JSON.stringify(unknown.scenario)}: expected one of ${FORGET_SCENARIOS.join(', ')}`,
      );
    }
  }
  checkForgetIds(split, train, forget.ids);
  return forget;
}

/**
 * Checks that ids form a valid forget set for a split: non-empty, no repeats, every id a sample of the
 * dataset and a member of D, and fewer ids than D holds.
 *
 * @param split - the split
 * @param train - the train partition the split was made from
 * @param ids - the candidate forget ids
 * @throws SelectionError whose `problem` says what is wrong and whose `ids` lists every offending id
 */
export function checkForgetIds(split: Split, train: Dataset, ids: readonly string[]): void {
  if (ids.length === 0) throw new SelectionError('empty', 'the forget set is empty');
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) repeated.add(id);
    seen.add(id);
  }
  if (repeated.size > 0) {
    const list = [...repeated];
    throw new SelectionError(
      'duplicates',
      `${list.length} id(s) appear more than once in the forget set: ${listIds(list)}`,
      list,
    );
  }
  const member = new Set(split.member);
  const holdout = new Set(split.holdout);
  const test = new Set(split.test);
  const unknown: string[] = [];
  const outside: string[] = [];
  let inHoldout = 0;
  let inTest = 0;
  for (const id of ids) {
    if (member.has(id) && train.has(id)) continue;
    if (holdout.has(id)) {
      inHoldout++;
      outside.push(id);
    } else if (test.has(id)) {
      inTest++;
      outside.push(id);
    } else if (train.has(id)) {
      outside.push(id);
    } else {
      unknown.push(id);
    }
  }
  if (unknown.length > 0) {
    throw new SelectionError(
      'unknown-ids',
      `${unknown.length} id(s) are not samples of ${split.dataset}: ${listIds(unknown)}`,
      unknown,
    );
  }
  if (outside.length > 0) {
    const where = [
      inHoldout > 0 ? `${inHoldout} holdout` : '',
      inTest > 0 ? `${inTest} test` : '',
      outside.length - inHoldout - inTest > 0 ? `${outside.length - inHoldout - inTest} outside the split` : '',
    ]
      .filter((part) => part !== '')
      .join(', ');
    throw new SelectionError(
      'not-members',
      `${outside.length} id(s) are not in the member set the model was trained on (${where}): ${listIds(outside)}`,
      outside,
    );
  }
  if (ids.length >= split.member.length) {
    throw new SelectionError(
      'too-large',
      `the forget set has ${ids.length} ids but the member set only ${split.member.length}: nothing would remain to train on`,
    );
  }
}

/**
 * The remaining set Dr = D \ Df, in member-set order.
 *
 * @param split - the split
 * @param forget - the forget set or its ids
 */
export function retainIds(split: Split, forget: ForgetSet | readonly string[]): string[] {
  const removed = new Set(isForgetSet(forget) ? forget.ids : forget);
  return split.member.filter((id) => !removed.has(id));
}

/**
 * Saves a forget set as JSON, atomically.
 *
 * @param path - destination file
 * @param forget - the forget set
 */
export function saveForget(path: string, forget: ForgetSet): void {
  const file = {
    format: FORMAT,
    version: VERSION,
    scenario: forget.scenario,
    params: forget.params,
    count: forget.ids.length,
    ids: forget.ids,
  };
  writeTextAtomic(path, `${JSON.stringify(file, null, 1)}\n`);
}

/**
 * Loads a forget set: a file written by {@link saveForget}, an object `{ids, scenario?, params?}`, or a
 * bare JSON array of ids (scenario `ids`). Only the structure is checked here; whether the ids suit a
 * split is for {@link checkForgetIds} (or {@link selectForget} with scenario `ids`).
 *
 * @param path - the file
 * @throws DataFormatError naming the file for invalid JSON, a wrong type or an unknown field
 */
export function loadForget(path: string): ForgetSet {
  const value = readJson(path);
  if (Array.isArray(value)) return { scenario: 'ids', params: {}, ids: idStrings(path, value, '') };
  if (!isJsonObject(value))
    throw new DataFormatError(path, 'a forget set must be a JSON array of ids or an object with an "ids" array');
  if (value.format !== undefined && value.format !== FORMAT) {
    throw new DataFormatError(path, `field "format" is ${JSON.stringify(value.format)}, expected "${FORMAT}"`);
  }
  if (value.version !== undefined && value.version !== VERSION) {
    throw new DataFormatError(
      path,
      `field "version" is ${JSON.stringify(value.version)}, this tmu reads version ${VERSION}`,
    );
  }
  if (!Array.isArray(value.ids)) throw new DataFormatError(path, 'field "ids" must be an array of id strings');
  const ids = idStrings(path, value.ids, 'ids');
  const scenario = value.scenario ?? 'ids';
  if (typeof scenario !== 'string' || !(FORGET_SCENARIOS as readonly string[]).includes(scenario)) {
    throw new DataFormatError(
      path,
      `field "scenario" is ${JSON.stringify(scenario)}, expected one of ${FORGET_SCENARIOS.join(', ')}`,
    );
  }
  const rawParams = value.params ?? {};
  if (!isJsonObject(rawParams)) throw new DataFormatError(path, 'field "params" must be an object');
  const params: ForgetParams = {};
  for (const [key, param] of Object.entries(rawParams)) {
    if (!Object.hasOwn(PARAM_TYPES, key)) {
      throw new DataFormatError(
        path,
        `field "params.${key}" is not a forget parameter (expected ${Object.keys(PARAM_TYPES).join(', ')})`,
      );
    }
    const type = PARAM_TYPES[key as keyof ForgetParams];
    const ok =
      type === 'string'
        ? typeof param === 'string'
        : type === 'integer'
          ? Number.isSafeInteger(param)
          : typeof param === 'number' && Number.isFinite(param);
    if (!ok)
      throw new DataFormatError(
        path,
        `field "params.${key}" must be a${type === 'integer' ? 'n' : ''} ${type}, got ${JSON.stringify(param)}`,
      );
    Object.assign(params, { [key]: param });
  }
  if (value.count !== undefined && value.count !== ids.length) {
    throw new DataFormatError(path, `field "count" is ${JSON.stringify(value.count)} but "ids" holds ${ids.length}`);
  }
  return { scenario: scenario as ForgetScenario, params, ids };
}

/** Checks that every element of a JSON array is a non-empty string. */
function idStrings(path: string, list: unknown[], field: string): string[] {
  for (let i = 0; i < list.length; i++) {
    const id = list[i];
    if (typeof id !== 'string' || id === '') {
      const where = field === '' ? `element ${i}` : `field "${field}"[${i}]`;
      throw new DataFormatError(path, `${where} must be a non-empty id string, got ${JSON.stringify(id)}`);
    }
  }
  return list as string[];
}

/** Whether the argument is a forget set rather than a bare id list. */
function isForgetSet(value: ForgetSet | readonly string[]): value is ForgetSet {
  return !Array.isArray(value);
}

/** Validates a fraction: in (0, 1], or (0, 1) when the whole population is not allowed. */
function checkFraction(fraction: number, allowOne: boolean): number {
  const ok = typeof fraction === 'number' && fraction > 0 && (allowOne ? fraction <= 1 : fraction < 1);
  if (!ok)
    throw new SelectionError(
      'bad-parameter',
      `fraction must be in (0, ${allowOne ? '1]' : '1)'}, got ${String(fraction)}`,
    );
  return fraction;
}

/** Validates the seed of a drawn scenario. */
function checkSeed(seed: number | undefined): number {
  if (seed === undefined || !Number.isSafeInteger(seed) || seed < 0) {
    throw new SelectionError(
      'bad-parameter',
      `a drawn forget set needs a non-negative integer seed, got ${String(seed)}`,
    );
  }
  return seed;
}

/** Resolves a class given by index or name. */
function resolveClass(train: Dataset, cls: number | string): { index: number; name: string } {
  if (typeof cls === 'string') {
    const index = train.classNames.indexOf(cls);
    if (index < 0) {
      throw new SelectionError(
        'bad-parameter',
        `unknown class ${JSON.stringify(cls)}: ${train.name} has ${train.classNames.join(', ')}`,
      );
    }
    return { index, name: cls };
  }
  if (!Number.isInteger(cls) || cls < 0 || cls >= train.numClasses) {
    throw new SelectionError(
      'bad-parameter',
      `class must be an integer in 0..${train.numClasses - 1} or a class name, got ${String(cls)}`,
    );
  }
  return { index: cls, name: train.classNames[cls] };
}

/** Positions (in split.member) of the members of one class. */
function memberPositionsOfClass(split: Split, train: Dataset, cls: number, name: string): number[] {
  const positions: number[] = [];
  const missing: string[] = [];
  split.member.forEach((id, p) => {
    const i = train.indexOf(id);
    if (i < 0) missing.push(id);
    else if (train.labels[i] === cls) positions.push(p);
  });
  if (missing.length > 0) {
    throw new SelectionError(
      'unknown-ids',
      `${missing.length} member id(s) of the split are not in ${train.name}/${train.partition}: ${listIds(missing)}`,
      missing,
    );
  }
  if (positions.length === 0)
    throw new SelectionError('empty', `class ${cls} (${name}) has no samples in the member set`);
  return positions;
}
