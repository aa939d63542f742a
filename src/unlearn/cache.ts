/**
 * The cache of what a method prepares once per model and reuses across its deletion requests (TMU's twin
 * problem, predictor and curriculum model), beside the model: `<model>/cache/<kind>/<key>/`.
 *
 * An entry is keyed by a digest of everything it was built from (its kind, its format version and its
 * inputs, the model's digest among them), so a request finds an entry only when the entry would be built
 * the same way now. Each entry's `entry.json` records that key, its inputs and a digest of every file it
 * holds; an entry whose files fail their digests, or that another format wrote, is rebuilt with a
 * one-line message saying why. Entries are written into a staging folder and renamed into place, so a
 * crash mid-build leaves no half-written entry. When a model's file is replaced, the entries built for
 * the old weights are removed at the next build.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgressSink } from '../train/progress.js';

const ENTRY_FILE = 'entry.json';
const STAGING = /\.staging-/;

/** What identifies an entry: the same kind, format and inputs give the same key. */
export interface CacheKey {
  /** What the entry holds, e.g. `tmu-twin`; a folder name. */
  kind: string;
  /** Version of the entry's file layout: a new layout makes old entries miss. */
  format: number;
  /** Everything the entry is built from (JSON-serialisable). */
  inputs: unknown;
}

/** The record each entry carries in its `entry.json`. */
interface EntryRecord {
  kind: string;
  format: number;
  key: string;
  /** The model the entry belongs to (its digest): entries of a replaced model are pruned. */
  model: string | null;
  inputs: unknown;
  /** SHA-256 of each data file of the entry. */
  files: Record<string, string>;
  /** Seconds the build took. */
  seconds: number;
  /** Small results kept with the entry (e.g. a predictor's held-out quality). */
  meta: unknown;
  created: string;
}

/** An entry read from the cache or just built. */
export interface CacheResult<T> {
  value: T;
  /** Whether it was found in the cache. */
  cached: boolean;
  /** Why it was built (the cache had no valid entry), null when it was found. */
  builtBecause: string | null;
  /** Seconds its build took (when found: the seconds the original build took). */
  buildSeconds: number;
  /** The entry's folder, or null when the model has no directory (nothing is cached). */
  dir: string | null;
  key: string;
}

/** How {@link PreparationCache.get} reads, builds and writes one kind of entry. */
export interface EntryCodec<T> {
  /** Builds the value (the expensive part). */
  build(): T;
  /** Writes the value's files into `dir` (a staging folder); returns the meta to keep in entry.json. */
  write(value: T, dir: string): unknown;
  /** Reads the value back from an entry's folder, with the meta `write` returned. */
  read(dir: string, meta: unknown): T;
}

/** One entry as `tmu prepare --list` shows it. */
export interface CacheListing {
  kind: string;
  key: string;
  dir: string;
  /** Whether it belongs to the model's current weights. */
  current: boolean;
  seconds: number | null;
  bytes: number;
  created: string | null;
}

/** Digest of a cache key: 16 hex characters of SHA-256 over its canonical JSON. */
export function cacheKeyDigest(key: CacheKey): string {
  return createHash('sha256')
    .update(JSON.stringify([key.kind, key.format, key.inputs]))
    .digest('hex')
    .slice(0, 16);
}

function fileDigest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function dataFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== ENTRY_FILE)
    .map((entry) => entry.name)
    .sort();
}

/** The cache beside one model. */
export class PreparationCache {
  /**
   * @param modelDir - the model's directory, or null for a model held only in memory (nothing is cached)
   * @param model - the model's digest (entries of other digests are pruned when an entry is written)
   */
  constructor(
    readonly modelDir: string | null,
    readonly model: string | null,
    private readonly progress: ProgressSink,
  ) {}

  /** The folder of an entry (whether or not it exists), or null without a model directory. */
  entryDir(key: CacheKey): string | null {
    return this.modelDir ? join(this.modelDir, 'cache', key.kind, cacheKeyDigest(key)) : null;
  }

  /**
   * The entry for `key`: read when a valid one is cached (and `rebuild` is false), else built with
   * `codec.build()`, written atomically and returned.
   */
  get<T>(key: CacheKey, codec: EntryCodec<T>, options: { rebuild?: boolean } = {}): CacheResult<T> {
    const digest = cacheKeyDigest(key);
    const dir = this.entryDir(key);
    if (dir) {
      // Fail before an expensive build that could not be stored.
      this.#checkRoot();
      const found = options.rebuild ? { miss: 'a rebuild was asked for' } : this.#read(dir, key, digest, codec);
      if (!('miss' in found)) return { ...found, dir, key: digest };
      this.progress.log('cache rebuild', { kind: key.kind, because: found.miss });
      return { ...this.#build(key, digest, codec, dir), builtBecause: found.miss, dir, key: digest };
    }
    const started = performance.now();
    const value = codec.build();
    return {
      value,
      cached: false,
      builtBecause: 'the model has no directory to cache in',
      buildSeconds: (performance.now() - started) / 1000,
      dir: null,
      key: digest,
    };
  }

  #read<T>(
    dir: string,
    key: CacheKey,
    digest: string,
    codec: EntryCodec<T>,
  ): { value: T; cached: true; builtBecause: null; buildSeconds: number } | { miss: string } {
    const recordPath = join(dir, ENTRY_FILE);
    if (!existsSync(recordPath)) return { miss: 'not cached' };
    let record: EntryRecord;
    try {
      record = JSON.parse(readFileSync(recordPath, 'utf8')) as EntryRecord;
    } catch (error) {
      return { miss: `${recordPath} is unreadable (${(error as Error).message})` };
    }
    if (record.format !== key.format)
      return { miss: `the cached entry has format ${record.format}, this tmu writes ${key.format}` };
    if (record.key !== digest) return { miss: 'the cached entry was built from other inputs' };
    const files = dataFiles(dir);
    const recorded = Object.keys(record.files ?? {}).sort();
    if (files.join('\n') !== recorded.join('\n'))
      return { miss: `the cached entry's files are not the ones it recorded` };
    for (const name of files) {
      if (fileDigest(join(dir, name)) !== record.files[name]) return { miss: `${join(dir, name)} fails its digest` };
    }
    try {
      return { value: codec.read(dir, record.meta), cached: true, builtBecause: null, buildSeconds: record.seconds };
    } catch (error) {
      return { miss: `the cached entry cannot be read (${(error as Error).message})` };
    }
  }

  #build<T>(
    key: CacheKey,
    digest: string,
    codec: EntryCodec<T>,
    dir: string,
  ): { value: T; cached: false; buildSeconds: number } {
    const started = performance.now();
    const value = codec.build();
    const buildSeconds = (performance.now() - started) / 1000;
    const kindDir = join(dir, '..');
    mkdirSync(kindDir, { recursive: true });
    const staging = join(kindDir, `${digest}.staging-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    try {
      const meta = codec.write(value, staging);
      const record: EntryRecord = {
        kind: key.kind,
        format: key.format,
        key: digest,
        model: this.model,
        inputs: key.inputs,
        files: Object.fromEntries(dataFiles(staging).map((name) => [name, fileDigest(join(staging, name))])),
        seconds: Number(buildSeconds.toFixed(3)),
        meta: meta ?? null,
        created: new Date().toISOString(),
      };
      writeFileSync(join(staging, ENTRY_FILE), `${JSON.stringify(record)}\n`);
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      // Another process that built the same entry at the same time wins the rename; its entry is equal.
      if (!existsSync(join(dir, ENTRY_FILE))) throw error;
    }
    this.#prune(key.kind);
    return { value, cached: false, buildSeconds };
  }

  /** Removes the entries of `kind` built for other weights of the model (it was replaced). */
  #prune(kind: string): void {
    if (!this.modelDir) return;
    const kindDir = join(this.modelDir, 'cache', kind);
    for (const entry of readdirSync(kindDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || STAGING.test(entry.name)) continue;
      const record = this.#record(join(kindDir, entry.name));
      if (record?.model !== this.model) rmSync(join(kindDir, entry.name), { recursive: true, force: true });
    }
  }

  #record(dir: string): EntryRecord | null {
    try {
      return JSON.parse(readFileSync(join(dir, ENTRY_FILE), 'utf8')) as EntryRecord;
    } catch {
      // An entry without a readable record cannot serve any request.
      return null;
    }
  }

  #checkRoot(): void {
    if (!this.modelDir) return;
    const root = join(this.modelDir, 'cache');
    if (existsSync(root) && !statSync(root).isDirectory())
      throw new Error(`${root}: tmu caches prepared state in this folder, but it is a file`);
  }

  /** Every entry beside the model, whatever its kind, newest first within a kind. */
  list(): CacheListing[] {
    if (!this.modelDir) return [];
    const root = join(this.modelDir, 'cache');
    if (!existsSync(root)) return [];
    this.#checkRoot();
    const listings: CacheListing[] = [];
    for (const kind of readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
      for (const entry of readdirSync(join(root, kind.name), { withFileTypes: true })) {
        if (!entry.isDirectory() || STAGING.test(entry.name)) continue;
        const dir = join(root, kind.name, entry.name);
        const record = this.#record(dir);
        const bytes = readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
        listings.push({
          kind: kind.name,
          key: entry.name,
          dir,
          current: record !== null && record.model === this.model,
          seconds: record?.seconds ?? null,
          bytes,
          created: record?.created ?? null,
        });
      }
    }
    return listings.sort((a, b) => a.kind.localeCompare(b.kind) || (b.created ?? '').localeCompare(a.created ?? ''));
  }
}
