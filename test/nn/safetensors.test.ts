import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  BatchNorm2d,
  Conv2d,
  decodeSafetensors,
  encodeSafetensors,
  Flatten,
  Linear,
  loadSafetensors,
  SafetensorsError,
  Sequential,
  saveSafetensors,
} from '../../src/nn/index.js';
import { liveTensors, manualSeed, randn, type Tensor, tensor, tidy } from '../../src/tensor/index.js';
import { runPython, torchUnavailableReason } from '../helpers/python.js';

const folder = mkdtempSync(join(tmpdir(), 'tmu-safetensors-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One tensor of every dtype, plus 0-d and empty ones. */
function everyDtype(): Map<string, Tensor> {
  return new Map<string, Tensor>([
    [
      'f32',
      tensor([
        [1.5, -2],
        [3.25, 1e-30],
      ]),
    ],
    ['f64', tensor([Math.PI, -0, 1e300], { dtype: 'float64' })],
    ['i64', tensor(BigInt64Array.from([-(2n ** 62n), 0n, 2n ** 62n + 7n]), { dtype: 'int64' })],
    ['i32', tensor([-2147483648, 7, 2147483647], { dtype: 'int32' })],
    ['u8', tensor([0, 128, 255], { dtype: 'uint8' })],
    ['bool', tensor([true, false, true])],
    ['scalar', tensor([42], { shape: [], dtype: 'int64' })],
    ['empty', tensor(new Float32Array(0), { shape: [0, 3] })],
    ['empty_i32', tensor(new Int32Array(0), { shape: [2, 0], dtype: 'int32' })],
  ]);
}

function disposeAll(tensors: ReadonlyMap<string, Tensor>): void {
  for (const t of tensors.values()) t.dispose();
}

/** Builds a safetensors file from a raw header (any JSON) and data bytes, for corruption cases. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function headerLengthOf(bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
}

describe('safetensors round trip', () => {
  test('every dtype, 0-d and empty tensors and the metadata survive save and load exactly', () => {
    const start = liveTensors();
    const tensors = everyDtype();
    const path = join(folder, 'all.safetensors');
    saveSafetensors(path, tensors, { format: 'pt', note: 'ünïcode ✓' });
    const loaded = loadSafetensors(path);
    assert.deepEqual(loaded.metadata, { format: 'pt', note: 'ünïcode ✓' });
    assert.deepEqual([...loaded.tensors.keys()].sort(), [...tensors.keys()].sort());
    for (const [name, original] of tensors) {
      const copy = loaded.tensors.get(name)!;
      assert.equal(copy.dtype, original.dtype, name);
      assert.deepEqual(copy.shape, original.shape, name);
      assert.deepEqual(copy.toTypedArray(), original.toTypedArray(), name);
    }
    assert.ok(Object.is(loaded.tensors.get('f64')!.toArray()[1], -0));
    disposeAll(tensors);
    disposeAll(loaded.tensors);
    assert.equal(liveTensors(), start);
  });

  test('a file without metadata loads with empty metadata and an empty map round-trips', () => {
    const bytes = encodeSafetensors(new Map());
    assert.deepEqual(Array.from(bytes), [8, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('{}      ')]);
    assert.deepEqual(decodeSafetensors(bytes), { tensors: new Map(), metadata: {} });
  });

  test('the bytes match a hand-built file: u64 header length, space-padded JSON, sorted packed little-endian data', () => {
    const b = tensor([1, -2]);
    const a = tensor([1, 2, 3], { dtype: 'uint8' });
    const bytes = encodeSafetensors(
      new Map([
        ['b', b],
        ['a', a],
      ]),
      { k: 'v' },
    );
    const json =
      '{"__metadata__":{"k":"v"},"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"b":{"dtype":"F32","shape":[2],"data_offsets":[3,11]}}';
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
    const expected = new Uint8Array(8 + padded.length + 11);
    const view = new DataView(expected.buffer);
    view.setUint32(0, padded.length, true);
    expected.set(new TextEncoder().encode(padded), 8);
    const data = 8 + padded.length;
    expected.set([1, 2, 3], data);
    view.setFloat32(data + 3, 1, true);
    view.setFloat32(data + 7, -2, true);
    assert.equal(padded.length % 8, 0);
    assert.deepEqual(bytes, expected);
    a.dispose();
    b.dispose();
  });

  test('save is atomic: it replaces an existing file and leaves no temporary file behind', () => {
    const path = join(folder, 'atomic.safetensors');
    writeFileSync(path, 'old contents');
    const t = tensor([7]);
    saveSafetensors(path, new Map([['x', t]]));
    const loaded = loadSafetensors(path);
    assert.deepEqual(loaded.tensors.get('x')!.toArray(), [7]);
    assert.deepEqual(
      readdirSync(folder).filter((name) => name.includes('.tmp-')),
      [],
    );
    assert.throws(() => saveSafetensors(join(folder, 'missing', 'x.safetensors'), new Map([['x', t]])), /ENOENT/);
    assert.deepEqual(
      readdirSync(folder).filter((name) => name.includes('.tmp-')),
      [],
    );
    t.dispose();
    disposeAll(loaded.tensors);
  });

  test('encoding refuses the reserved __metadata__ name and non-string metadata', () => {
    const t = tensor([1]);
    assert.throws(() => encodeSafetensors(new Map([['__metadata__', t]])), /reserved/);
    assert.throws(
      () => encodeSafetensors(new Map([['x', t]]), { n: 1 as unknown as string }),
      /metadata 'n' must be a string/,
    );
    t.dispose();
  });
});

describe('safetensors corruption', () => {
  const path = join(folder, 'model.safetensors');
  const tensors = everyDtype();
  saveSafetensors(path, tensors, { arch: 'test' });
  disposeAll(tensors);
  const good = readFileSync(path);
  const dataStart = 8 + headerLengthOf(good);

  /** Asserts decoding fails with a one-line SafetensorsError naming the source and matching `problem`. */
  function assertCorrupt(bytes: Uint8Array, problem: RegExp, source = 'bad.safetensors'): void {
    const start = liveTensors();
    assert.throws(
      () => decodeSafetensors(bytes, source),
      (error: unknown) => {
        assert.ok(error instanceof SafetensorsError, String(error));
        assert.ok(error.message.startsWith(`${source}: `), error.message);
        assert.equal(error.message.includes('\n'), false, error.message);
        assert.match(error.message, problem);
        return true;
      },
    );
    assert.equal(liveTensors(), start, 'a failed load leaks no tensors');
  }

  test('a file truncated anywhere is refused with the right message', () => {
    for (const size of [0, 1, 7])
      assertCorrupt(good.subarray(0, size), /file is \d+ bytes, shorter than the 8-byte header length/);
    for (const size of [8, 9, 40, dataStart - 1])
      assertCorrupt(good.subarray(0, size), /header length \d+ runs beyond the end of the file/);
    for (const size of [dataStart, dataStart + 5, good.length - 1])
      assertCorrupt(good.subarray(0, size), /data is truncated: the tensors need \d+ bytes after the header/);
  });

  test('loadSafetensors names the file in the message', () => {
    const truncated = join(folder, 'truncated.safetensors');
    writeFileSync(truncated, good);
    truncateSync(truncated, good.length - 3);
    assert.throws(
      () => loadSafetensors(truncated),
      (error: Error) => error.message.startsWith(`${truncated}: data is truncated`),
    );
  });

  test('a flipped header length is refused as running beyond the file or as invalid JSON', () => {
    const huge = Uint8Array.from(good);
    huge[7] = 0x80;
    assertCorrupt(huge, /header length 9223372036854\d+ runs beyond the end of the file/);
    const short = Uint8Array.from(good);
    new DataView(short.buffer).setBigUint64(0, BigInt(headerLengthOf(good) - 8), true);
    assertCorrupt(short, /header is not valid JSON/);
  });

  test('invalid JSON, invalid UTF-8 and a non-object header are refused', () => {
    assertCorrupt(rawFile('{"x": {"dtype": "F32",'), /header is not valid JSON/);
    const badUtf8 = rawFile('{"x":1}');
    badUtf8[10] = 0xff;
    assertCorrupt(badUtf8, /header is not valid JSON/);
    assertCorrupt(rawFile('[1, 2]'), /header is not a JSON object/);
    assertCorrupt(rawFile({ __metadata__: { n: 1 } }), /__metadata__ value 'n' is not a string/);
  });

  test('an unknown dtype, a bad shape and malformed offsets are refused', () => {
    const four = new Uint8Array(4);
    assertCorrupt(
      rawFile({ x: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, four),
      /tensor 'x' has unknown dtype 'F16' \(supported: F32, F64, I64, I32, U8, BOOL\)/,
    );
    assertCorrupt(
      rawFile({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, four),
      /tensor 'x' has an invalid shape \[-1\]/,
    );
    assertCorrupt(
      rawFile({ x: { dtype: 'F32', shape: [1], data_offsets: [0] } }, four),
      /tensor 'x' has invalid data_offsets \[0\]/,
    );
    assertCorrupt(rawFile({ x: 5 }, four), /tensor 'x' has a header entry that is not an object/);
  });

  test('offsets out of range, overlapping, leaving gaps or not matching shape x dtype are refused', () => {
    const eight = new Uint8Array(8);
    assertCorrupt(
      rawFile({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, eight),
      /tensor 'x' has data_offsets \[4, 0\] out of range/,
    );
    assertCorrupt(
      rawFile({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, eight),
      /tensor 'x' has data_offsets \[0, 4\] \(4 bytes\) not matching shape \[2\] of F32 \(8 bytes\)/,
    );
    assertCorrupt(
      rawFile(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        },
        eight,
      ),
      /tensor 'b' data_offsets \[4, 8\] overlap tensor 'a' \[0, 8\]/,
    );
    assertCorrupt(
      rawFile({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight),
      /tensor 'x' data_offsets \[4, 8\] leave a gap after byte 0/,
    );
    assertCorrupt(
      rawFile({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(12)),
      /4 unexpected bytes after the last tensor/,
    );
    assertCorrupt(
      rawFile({ x: { dtype: 'F64', shape: [4], data_offsets: [0, 32] } }, eight),
      /data is truncated: the tensors need 32 bytes .* only 8 remain/,
    );
  });

  test('unaligned tensor data (a U8 tensor before an F64 one) decodes correctly', () => {
    const data = new Uint8Array(9);
    data[0] = 5;
    new DataView(data.buffer).setFloat64(1, -1.25, true);
    const { tensors } = decodeSafetensors(
      rawFile(
        { a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] }, b: { dtype: 'F64', shape: [], data_offsets: [1, 9] } },
        data,
      ),
    );
    assert.deepEqual(tensors.get('a')!.toArray(), [5]);
    assert.deepEqual(tensors.get('b')!.toArray(), [-1.25]);
    disposeAll(tensors);
  });
});

describe('safetensors and PyTorch', () => {
  test('a tmu state dict saved here loads in PyTorch with the same names, dtypes and values, and back', (t) => {
    const reason = torchUnavailableReason();
    if (reason !== null) {
      t.skip(reason);
      console.log(`# skipped PyTorch round trip: ${reason}`);
      return;
    }
    manualSeed(9);
    const net = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new Flatten(), new Linear(8, 3));
    tidy(() => void net.call(randn([2, 1, 4, 4])));
    const path = join(folder, 'net.safetensors');
    saveSafetensors(path, net.stateDict(), { arch: 'tiny' });
    const back = join(folder, 'back.safetensors');
    // bench/torch_models.py holds the hand-written reader and writer the benchmarks use.
    const script = [
      'import json, sys',
      'sys.path.insert(0, "bench")',
      'from torch_models import read_safetensors, save_safetensors',
      'tensors, metadata = read_safetensors(sys.argv[1])',
      'out = {k: {"dtype": str(v.dtype), "shape": list(v.shape), "data": v.double().flatten().tolist()} for k, v in tensors.items()}',
      'save_safetensors(sys.argv[2], {k: v * 2 if v.is_floating_point() else v for k, v in tensors.items()}, {"from": "torch"})',
      'print(json.dumps({"metadata": metadata, "tensors": out}))',
    ].join('\n');
    const seen = JSON.parse(runPython(script, [path, back], REPO_ROOT)) as {
      metadata: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; data: number[] }>;
    };
    assert.deepEqual(seen.metadata, { arch: 'tiny' });
    const state = net.stateDict();
    assert.deepEqual(Object.keys(seen.tensors).sort(), [...state.keys()].sort());
    for (const [name, value] of state) {
      const py = seen.tensors[name]!;
      assert.equal(py.dtype, `torch.${value.dtype}`, name);
      assert.deepEqual(py.shape, value.shape, name);
      assert.deepEqual(py.data, value.toArray(), name);
    }
    const reloaded = loadSafetensors(back);
    assert.deepEqual(reloaded.metadata, { from: 'torch' });
    for (const [name, value] of state) {
      const expected = value.dtype === 'int64' ? value.toArray() : value.toArray().map((v) => v * 2);
      assert.deepEqual(reloaded.tensors.get(name)!.toArray(), expected, name);
    }
    disposeAll(reloaded.tensors);
    net.dispose();
  });
});
