/**
 * tmu as a library: a project that depends on this checkout (a `file:` dependency, reusing its built
 * addon) imports every entry point by the package's name, type-checks against the published types, gets
 * the runtime settings without tmu's launcher, and runs the README's library example.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { fashionSubset, REPO_ROOT, TMU_BIN } from '../unlearn/support.js';

const ENTRIES = ['tensor', 'nn', 'optim', 'models', 'data', 'train', 'unlearn', 'eval'] as const;

/** The environment of a user's process: none of the settings tmu's launcher adds. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['TMU_RUNTIME_ENV', 'GLIBC_TUNABLES', 'OPENBLAS_NUM_THREADS']) delete env[name];
  return env;
}

function run(command: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: userEnv() });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The first code block after the README's "As a library" heading. */
function readmeExample(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### As a library'));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(match, 'the README has a js example under "As a library"');
  return match[1]!;
}

describe('tmu as a dependency', { timeout: 600_000 }, () => {
  const project = mkdtempSync(join(tmpdir(), 'tmu-user-'));
  after(() => rmSync(project, { recursive: true, force: true }));
  before(() => {
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'tmu-user', private: true, type: 'module', dependencies: { tmu: `file:${REPO_ROOT}` } }),
    );
    const installed = run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
    assert.equal(installed.status, 0, installed.stderr);
  });

  test('the dependency links the checkout, so its built addon is reused', () => {
    const link = join(project, 'node_modules', 'tmu');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(realpathSync(link), realpathSync(REPO_ROOT));
  });

  test('every entry point imports by the package name, with the runtime settings applied on import', () => {
    const script = [
      `const entries = ${JSON.stringify(ENTRIES)};`,
      'const loaded = {};',
      "for (const name of entries) loaded[name] = await import('tmu/' + name);",
      "const root = await import('tmu');",
      'console.log(JSON.stringify({',
      '  exports: Object.fromEntries(entries.map((name) => [name, Object.keys(loaded[name]).length])),',
      '  root: Object.keys(root).sort(),',
      '  functions: [typeof loaded.tensor.tensor, typeof loaded.nn.Module, typeof loaded.optim.SGD, typeof loaded.models.createModel,',
      '    typeof loaded.data.loadDataset, typeof loaded.train.train, typeof loaded.unlearn.getMethod, typeof loaded.eval.evaluateSeed],',
      '  methods: loaded.unlearn.listMethods().map((m) => m.name),',
      '  settings: loaded.tensor.runtimeSettings(),',
      '}));',
    ].join('\n');
    writeFileSync(join(project, 'entries.mjs'), script);
    const result = run(process.execPath, ['entries.mjs'], project);
    assert.equal(result.status, 0, result.stderr);
    const out = JSON.parse(result.stdout) as {
      exports: Record<string, number>;
      root: string[];
      functions: string[];
      methods: string[];
      settings: { openblasThreads: string | null; mallocTuning: string[] };
    };
    for (const name of ENTRIES) assert.ok(out.exports[name]! > 0, `tmu/${name} exports nothing`);
    assert.deepEqual(out.root, ['data', 'evaluation', 'models', 'nn', 'optim', 'tensor', 'train', 'unlearn']);
    assert.deepEqual(new Set(out.functions), new Set(['function']));
    assert.ok(out.methods.includes('tmu') && out.methods.length >= 13, out.methods.join(', '));
    assert.equal(out.settings.openblasThreads, '1', 'one OpenBLAS thread without the launcher');
    assert.deepEqual(out.settings.mallocTuning, [
      'glibc.malloc.mmap_threshold',
      'glibc.malloc.trim_threshold',
      'glibc.malloc.top_pad',
    ]);
    const deep = run(
      process.execPath,
      ['--input-type=module', '-e', "await import('tmu/dist/src/tensor/index.js')"],
      project,
    );
    assert.notEqual(deep.status, 0, 'internal files are not entry points');
    assert.match(deep.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  test('the entry points type-check from a TypeScript project', () => {
    const source = [
      "import type { Tensor } from 'tmu/tensor';",
      "import { Module } from 'tmu/nn';",
      "import type { Optimizer } from 'tmu/optim';",
      "import type { ArchitectureSpec } from 'tmu/models';",
      "import type { Split } from 'tmu/data';",
      "import type { TrainRecipe } from 'tmu/train';",
      "import type { UnlearningMethod, TmuSummary } from 'tmu/unlearn';",
      "import type { Report } from 'tmu/eval';",
      'export type Used = [Tensor, Optimizer, ArchitectureSpec, Split, TrainRecipe, UnlearningMethod, TmuSummary, Report];',
      'export const isModule = (value: unknown): value is Module => value instanceof Module;',
    ].join('\n');
    writeFileSync(join(project, 'check.ts'), source);
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = run(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--skipLibCheck',
        'check.ts',
      ],
      project,
    );
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  test("the README's library example runs against a model trained with tmu train", () => {
    const dataDir = fashionSubset(join(project, 'data'));
    const trained = spawnSync(
      process.execPath,
      [TMU_BIN, 'train', '--data-dir', dataDir, '--arch', 'mlp', '--epochs', '2', '--out', 'runs/original', '--json'],
      { cwd: project, encoding: 'utf8' },
    );
    assert.equal(trained.status, 0, trained.stderr);
    writeFileSync(join(project, 'example.mjs'), readmeExample());
    const result = run(process.execPath, ['example.mjs'], project);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^forgot 50 samples in \d+\.\d s, accuracy on them \d+\.\d%$/m);
    assert.ok(existsSync(join(project, 'runs', 'unlearned', 'model.json')));
  });
});
