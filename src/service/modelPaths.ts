/**
 * Where the service keeps model files: registered models live under the models directory (paths in the
 * API and the ledger are relative to it, and may not escape it, symlinks included); the versions that
 * jobs produce go to `<models>/.tmu-versions/<model>/<version>`. A job attempt writes its candidate to
 * `<models>/.tmu-versions/.staging/<job>/<version>` first; the commit that records the version in the
 * ledger moves it into place, and staging folders of jobs that ended are removed. The models directory
 * is shared by every server and worker of a deployment (a shared file system when they are on several
 * hosts).
 *
 * @module
 */

import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** A path given by a client that is not acceptable. */
export class PathError extends Error {
  override name = 'PathError';
}

/** The service's model directories. */
export class ModelPaths {
  readonly root: string;

  constructor(modelsDir: string) {
    if (!existsSync(modelsDir)) throw new Error(`models directory ${modelsDir} does not exist`);
    this.root = realpathSync(modelsDir);
  }

  /**
   * Resolves a client-supplied model path (relative to the models directory) to a real absolute path,
   * rejecting absolute paths, `..` escapes and symlinks that lead outside.
   */
  resolveClientPath(path: string): { absolute: string; relative: string } {
    if (path === '' || isAbsolute(path) || path.includes('\0'))
      throw new PathError(`model path '${path}' must be relative to the models directory`);
    const candidate = resolve(this.root, path);
    if (!inside(this.root, candidate)) throw new PathError(`model path '${path}' is outside the models directory`);
    if (!existsSync(candidate)) throw new PathError(`model path '${path}' does not exist in the models directory`);
    const real = realpathSync(candidate);
    if (!inside(this.root, real))
      throw new PathError(`model path '${path}' leads outside the models directory (symlink)`);
    const rel = relative(this.root, real);
    if (rel.split(sep).includes('.tmu-versions'))
      throw new PathError(`model path '${path}' is a version produced by the service, not a trained model`);
    return { absolute: real, relative: rel };
  }

  /** The absolute path of a stored (relative) path. */
  absolute(relativePath: string): string {
    return join(this.root, relativePath);
  }

  /** Relative path of the directory of a new version. */
  versionPath(modelId: string, versionId: string): string {
    return join('.tmu-versions', modelId, versionId);
  }

  /** The staging folder of one job (all its attempts). */
  jobStaging(jobId: string): string {
    return join(this.stagingRoot, jobId);
  }

  /** Where a job attempt writes the candidate `versionId` before the commit moves it into place. */
  stagingDir(jobId: string, versionId: string): string {
    return join(this.jobStaging(jobId), versionId);
  }

  /** The folder that holds every job's staging folder. */
  get stagingRoot(): string {
    return join(this.root, '.tmu-versions', '.staging');
  }

  /** The folder that holds a model's versions. */
  versionsDir(modelId: string): string {
    return join(this.root, '.tmu-versions', modelId);
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
