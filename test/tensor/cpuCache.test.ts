import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/tensor/index.js';

// 1024 x 1024 float32: 4 MiB, far above the cache's threshold.
const LARGE: number[] = [1024, 1024];
const LARGE_BYTES = 4 * 1024 * 1024;

test('the caching CPU allocator is on by default', () => {
  const stats = T.cpuMemoryStats();
  assert.equal(stats.enabled, true);
  assert.ok(stats.thresholdBytes > 0 && stats.thresholdBytes <= LARGE_BYTES);
  assert.ok(stats.limitBytes >= LARGE_BYTES);
});

test('a freed large buffer is cached and serves the next request of its size without new memory', () => {
  const first = T.full(LARGE, 7);
  const held = T.cpuMemoryStats();
  first.dispose();
  const cached = T.cpuMemoryStats();
  assert.ok(cached.cachedBytes - held.cachedBytes >= LARGE_BYTES, 'the freed block is kept');
  assert.equal(cached.inUseBlocks, held.inUseBlocks - 1);
  const second = T.zeros(LARGE);
  const reused = T.cpuMemoryStats();
  assert.equal(reused.hits, cached.hits + 1);
  assert.equal(reused.misses, cached.misses);
  // A reused block holds the previous tensor's bytes; creation ops must still write every element.
  assert.equal(second.abs().sum().item(), 0);
  second.dispose();
});

test('of several cached blocks of a size, the one freed last is handed out first (the likeliest to be in CPU caches)', () => {
  T.emptyCpuCache();
  const older = T.full(LARGE, 1);
  const newer = T.full(LARGE, 2);
  older.dispose();
  newer.dispose();
  // empty() leaves the block's previous bytes in place, which tells which block it got.
  const reused = T.empty(LARGE);
  assert.equal(reused.max().item(), 2);
  assert.equal(reused.min().item(), 2);
  reused.dispose();
});

test('small tensors bypass the cache', () => {
  const before = T.cpuMemoryStats();
  T.tidy(() => T.ones([16]).add(1).sum());
  const after = T.cpuMemoryStats();
  assert.equal(after.hits, before.hits);
  assert.equal(after.misses, before.misses);
});

test('a repeated training step reaches a fixed working set: no fresh memory after the first steps', () => {
  T.manualSeed(0);
  const weight = T.randn([64, 1, 5, 5]).mul(0.1).requiresGrad_().keep();
  const x = T.randn([64, 1, 64, 64]).keep();
  const step = (): void =>
    T.tidy(() => {
      const loss = T.conv2d(x, weight, null, 1, 2).relu().mean();
      loss.backward();
      T.noGrad(() => weight.sub_(weight.grad!.mul(0.1)));
      weight.grad!.zero_();
    });
  for (let i = 0; i < 3; i++) step();
  const settled = T.cpuMemoryStats();
  for (let i = 0; i < 10; i++) step();
  const later = T.cpuMemoryStats();
  assert.equal(later.misses, settled.misses, 'every large buffer came from the cache');
  assert.ok(later.hits > settled.hits);
  assert.equal(later.cachedBytes, settled.cachedBytes);
  T.dispose([weight, x]);
});

test('emptyCpuCache returns every cached block to the system', () => {
  T.full(LARGE, 1).dispose();
  assert.ok(T.cpuMemoryStats().cachedBytes >= LARGE_BYTES);
  assert.ok(T.emptyCpuCache() >= LARGE_BYTES);
  const stats = T.cpuMemoryStats();
  assert.equal(stats.cachedBytes, 0);
  assert.equal(stats.cachedBlocks, 0);
  const misses = stats.misses;
  T.ones(LARGE).dispose();
  assert.equal(T.cpuMemoryStats().misses, misses + 1, 'an emptied cache maps fresh memory');
});

test('setCpuCacheLimit trims the cache now and sends blocks freed beyond it back to the system', () => {
  const limit = T.cpuMemoryStats().limitBytes;
  try {
    T.full(LARGE, 1).dispose();
    T.setCpuCacheLimit(0);
    assert.equal(T.cpuMemoryStats().cachedBytes, 0);
    T.full(LARGE, 2).dispose();
    assert.equal(T.cpuMemoryStats().cachedBytes, 0);
    assert.equal(T.cpuMemoryStats().limitBytes, 0);
  } finally {
    T.setCpuCacheLimit(limit);
  }
  assert.equal(T.cpuMemoryStats().limitBytes, limit);
});

test('setCpuCacheLimit rejects negative and fractional byte counts', () => {
  assert.throws(() => T.setCpuCacheLimit(-1), /setCpuCacheLimit: bytes must be a non-negative integer, got -1/);
  assert.throws(() => T.setCpuCacheLimit(1.5), /got 1\.5/);
});

function statsUnder(env: Record<string, string>): {
  status: number | null;
  stderr: string;
  stats: (T.CpuMemoryStats & { sum: number }) | null;
} {
  const index = fileURLToPath(new URL('../../src/tensor/index.js', import.meta.url));
  const script = `const T = await import(${JSON.stringify(index)}); const t = T.ones([1024, 1024]); console.log(JSON.stringify({ ...T.cpuMemoryStats(), sum: t.sum().item() }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return {
    status: child.status,
    stderr: child.stderr,
    stats: child.status === 0 ? (JSON.parse(child.stdout.trim()) as T.CpuMemoryStats & { sum: number }) : null,
  };
}

test("TMU_CPU_CACHE=0 keeps libtorch's own allocator", () => {
  const { status, stderr, stats } = statsUnder({ TMU_CPU_CACHE: '0' });
  assert.equal(status, 0, stderr);
  assert.equal(stats!.enabled, false);
  assert.equal(stats!.misses, 0);
  assert.equal(stats!.sum, 1024 * 1024);
});

test('TMU_CPU_CACHE_LIMIT_MIB sets the cap; a malformed TMU_CPU_CACHE or limit fails the import, naming the variable', () => {
  const capped = statsUnder({ TMU_CPU_CACHE_LIMIT_MIB: '64' });
  assert.equal(capped.status, 0, capped.stderr);
  assert.equal(capped.stats!.limitBytes, 64 * 2 ** 20);
  for (const [name, value] of [
    ['TMU_CPU_CACHE_LIMIT_MIB', 'lots'],
    ['TMU_CPU_CACHE_LIMIT_MIB', '-1'],
    ['TMU_CPU_CACHE', 'yes'],
  ] as const) {
    const bad = statsUnder({ [name]: value });
    assert.notEqual(bad.status, 0, `${name}=${value} was accepted`);
    assert.match(bad.stderr, new RegExp(`${name} must be .*got '${value}'`));
  }
});
