/**
 * PyTorch state-dict files (`torch.save(model.state_dict(), 'x.pth')`): a zip archive holding a pickle of
 * an OrderedDict of tensors and one record per tensor storage. Reading interprets the pickle opcodes a
 * state dict uses (and no others: a pickle here never runs code); writing goes through libtorch's own
 * pickler, so `torch.load` reads the result as a dict of tensors.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { type DType, dispose, encodeTorchSave, type Tensor, tensor } from '../tensor/index.js';
import { writeFileAtomic } from './atomicFile.js';
import { isZipArchive, readZipEntries } from './zipArchive.js';

/** A state-dict file that cannot be read; the message names the file and the problem. */
export class TorchStateDictError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'TorchStateDictError';
  }
}

const STORAGE_DTYPES: ReadonlyMap<string, DType> = new Map([
  ['FloatStorage', 'float32'],
  ['DoubleStorage', 'float64'],
  ['LongStorage', 'int64'],
  ['IntStorage', 'int32'],
  ['ByteStorage', 'uint8'],
  ['BoolStorage', 'bool'],
]);
const ITEM_SIZE: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int64: 8, int32: 4, uint8: 1, bool: 1 };

class Global {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}
class Tuple {
  constructor(readonly items: PyValue[]) {}
}
class Storage {
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly numel: number,
  ) {}
}
class Mark {}
type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyValue[]
  | Map<PyValue, PyValue>
  | Tuple
  | Global
  | Storage
  | Tensor
  | Mark;

const MARK = new Mark();

/** Interprets the pickle of a state dict, creating each tensor from its storage record. */
class StateDictUnpickler {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #fail: (problem: string) => never;
  readonly #storageBytes: (key: string) => Uint8Array;
  readonly #stack: PyValue[] = [];
  readonly #memo = new Map<number, PyValue>();
  readonly #decoder = new TextDecoder();
  readonly created: Tensor[] = [];
  #at = 0;

  constructor(bytes: Uint8Array, fail: (problem: string) => never, storageBytes: (key: string) => Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#fail = fail;
    this.#storageBytes = storageBytes;
  }

  #need(count: number): number {
    const at = this.#at;
    if (at + count > this.#bytes.byteLength) this.#fail(`the pickle ends early at byte ${at} (truncated?)`);
    this.#at += count;
    return at;
  }
  #u8(): number {
    return this.#bytes[this.#need(1)]!;
  }
  #u16(): number {
    return this.#view.getUint16(this.#need(2), true);
  }
  #u32(): number {
    return this.#view.getUint32(this.#need(4), true);
  }
  #text(length: number): string {
    const at = this.#need(length);
    return this.#decoder.decode(this.#bytes.subarray(at, at + length));
  }
  #line(): string {
    const end = this.#bytes.indexOf(0x0a, this.#at);
    if (end < 0) this.#fail('the pickle ends inside a text line (truncated?)');
    const text = this.#decoder.decode(this.#bytes.subarray(this.#at, end));
    this.#at = end + 1;
    return text;
  }
  #pop(): PyValue {
    if (this.#stack.length === 0) this.#fail('the pickle pops an empty stack (corrupt)');
    return this.#stack.pop() as PyValue;
  }
  #popMark(): PyValue[] {
    const mark = this.#stack.lastIndexOf(MARK);
    if (mark < 0) this.#fail('the pickle has no MARK where one is needed (corrupt)');
    const items = this.#stack.splice(mark);
    items.shift();
    return items;
  }
  #top(): PyValue {
    if (this.#stack.length === 0) this.#fail('the pickle reads an empty stack (corrupt)');
    return this.#stack[this.#stack.length - 1] as PyValue;
  }
  #setItems(target: PyValue, items: PyValue[]): void {
    if (!(target instanceof Map)) this.#fail('the pickle sets items on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i] as PyValue, items[i + 1] as PyValue);
  }

  run(): PyValue {
    for (;;) {
      const opcode = this.#u8();
      switch (opcode) {
        case 0x80: // PROTO
          this.#u8();
          break;
        case 0x95: // FRAME
          this.#need(8);
          break;
        case 0x2e: // STOP
          return this.#pop();
        case 0x28: // MARK
          this.#stack.push(MARK);
          break;
        case 0x4e: // NONE
          this.#stack.push(null);
          break;
        case 0x88: // NEWTRUE
          this.#stack.push(true);
          break;
        case 0x89: // NEWFALSE
          this.#stack.push(false);
          break;
        case 0x4b: // BININT1
          this.#stack.push(this.#u8());
          break;
        case 0x4d: // BININT2
          this.#stack.push(this.#u16());
          break;
        case 0x4a: // BININT
          this.#stack.push(this.#view.getInt32(this.#need(4), true));
          break;
        case 0x8a: {
          // LONG1: little-endian two's complement of n bytes
          const length = this.#u8();
          const at = this.#need(length);
          let value = 0n;
          for (let k = length - 1; k >= 0; k--) value = (value << 8n) | BigInt(this.#bytes[at + k]!);
          if (length > 0 && this.#bytes[at + length - 1]! >= 0x80) value -= 1n << BigInt(8 * length);
          this.#stack.push(Number.isSafeInteger(Number(value)) ? Number(value) : value);
          break;
        }
        case 0x47: // BINFLOAT (big-endian)
          this.#stack.push(this.#view.getFloat64(this.#need(8), false));
          break;
        case 0x58: // BINUNICODE
          this.#stack.push(this.#text(this.#u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.#stack.push(this.#text(this.#u8()));
          break;
        case 0x55: // SHORT_BINSTRING
          this.#stack.push(this.#text(this.#u8()));
          break;
        case 0x54: // BINSTRING
          this.#stack.push(this.#text(this.#u32()));
          break;
        case 0x29: // EMPTY_TUPLE
          this.#stack.push(new Tuple([]));
          break;
        case 0x85: // TUPLE1
          this.#stack.push(new Tuple([this.#pop()]));
          break;
        case 0x86: {
          // TUPLE2
          const second = this.#pop();
          this.#stack.push(new Tuple([this.#pop(), second]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const third = this.#pop();
          const second = this.#pop();
          this.#stack.push(new Tuple([this.#pop(), second, third]));
          break;
        }
        case 0x74: // TUPLE
          this.#stack.push(new Tuple(this.#popMark()));
          break;
        case 0x5d: // EMPTY_LIST
          this.#stack.push([]);
          break;
        case 0x61: {
          // APPEND
          const item = this.#pop();
          const list = this.#top();
          if (!Array.isArray(list)) this.#fail('the pickle appends to something that is not a list');
          list.push(item);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.#popMark();
          const list = this.#top();
          if (!Array.isArray(list)) this.#fail('the pickle appends to something that is not a list');
          list.push(...items);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.#stack.push(new Map());
          break;
        case 0x73: {
          // SETITEM
          const value = this.#pop();
          const key = this.#pop();
          this.#setItems(this.#top(), [key, value]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.#popMark();
          this.#setItems(this.#top(), items);
          break;
        }
        case 0x71: // BINPUT
          this.#memo.set(this.#u8(), this.#top());
          break;
        case 0x72: // LONG_BINPUT
          this.#memo.set(this.#u32(), this.#top());
          break;
        case 0x94: // MEMOIZE
          this.#memo.set(this.#memo.size, this.#top());
          break;
        case 0x68: // BINGET
          this.#stack.push(this.#memoGet(this.#u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.#stack.push(this.#memoGet(this.#u32()));
          break;
        case 0x63: {
          // GLOBAL
          const module = this.#line();
          this.#stack.push(new Global(module, this.#line()));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.#pop();
          const module = this.#pop();
          this.#stack.push(new Global(String(module), String(name)));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.#pop();
          const callable = this.#pop();
          if (!(callable instanceof Global) || !(args instanceof Tuple))
            this.#fail('the pickle calls something that is not a known function');
          this.#stack.push(this.#call(callable, args.items));
          break;
        }
        case 0x62: // BUILD: the state of an OrderedDict is its _metadata (module versions), not needed here
          this.#pop();
          break;
        case 0x51: {
          // BINPERSID
          this.#stack.push(this.#persistentLoad(this.#pop()));
          break;
        }
        default:
          this.#fail(
            `the pickle uses opcode 0x${opcode.toString(16)} at byte ${this.#at - 1}, which a state dict does not (is this a state dict?)`,
          );
      }
    }
  }

  #memoGet(index: number): PyValue {
    const value = this.#memo.get(index);
    if (value === undefined) this.#fail(`the pickle reads memo ${index}, which it never stored (corrupt)`);
    return value;
  }

  #persistentLoad(pid: PyValue): Storage {
    if (!(pid instanceof Tuple) || pid.items[0] !== 'storage' || !(pid.items[1] instanceof Global))
      this.#fail('the pickle refers to an object that is not a tensor storage');
    const [, type, key, , numel] = pid.items as [string, Global, string, string, number];
    const dtype = STORAGE_DTYPES.get(type.name);
    if (dtype === undefined) {
      this.#fail(
        `storage ${key} is a ${type.qualified}; tmu reads float32, float64, int64, int32, uint8 and bool tensors (convert with model.float() before torch.save)`,
      );
    }
    return new Storage(String(key), dtype, Number(numel));
  }

  #call(callable: Global, args: PyValue[]): PyValue {
    switch (callable.qualified) {
      case 'collections.OrderedDict':
        return new Map();
      case 'torch._utils._rebuild_tensor_v2':
        return this.#rebuildTensor(args);
      case 'torch._utils._rebuild_parameter':
        return args[0] as PyValue;
      default:
        return this.#fail(
          `the pickle calls ${callable.qualified}, which a state dict does not (is this a state dict?)`,
        );
    }
  }

  #rebuildTensor(args: PyValue[]): Tensor {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof Storage) || !(size instanceof Tuple) || !(stride instanceof Tuple))
      this.#fail('a tensor in the pickle has no storage, size or stride');
    const bytes = this.#storageBytes(storage.key);
    const expected = storage.numel * ITEM_SIZE[storage.dtype];
    if (bytes.byteLength < expected)
      this.#fail(`storage ${storage.key} has ${bytes.byteLength} bytes, ${expected} expected (truncated?)`);
    const copy = new Uint8Array(expected);
    copy.set(bytes.subarray(0, expected));
    const typed =
      storage.dtype === 'float32'
        ? new Float32Array(copy.buffer)
        : storage.dtype === 'float64'
          ? new Float64Array(copy.buffer)
          : storage.dtype === 'int64'
            ? new BigInt64Array(copy.buffer)
            : storage.dtype === 'int32'
              ? new Int32Array(copy.buffer)
              : copy;
    const flat = tensor(typed, { dtype: storage.dtype, shape: [storage.numel] });
    try {
      const sizes = size.items.map(Number);
      const strides = stride.items.map(Number);
      const result = flat.asStrided(sizes, strides, Number(offset)).contiguous();
      this.created.push(result);
      return result;
    } finally {
      flat.dispose();
    }
  }
}

/**
 * Decodes the bytes of `torch.save(state_dict)` into tensors by name (in the file's order).
 *
 * @param source - the file name, for messages
 * @throws TorchStateDictError naming the source and the problem (not a zip archive, truncated, not a
 *   dict of tensors, an unsupported dtype)
 */
export function decodeTorchStateDict(bytes: Uint8Array, source = '<buffer>'): Map<string, Tensor> {
  const fail: (problem: string) => never = (problem) => {
    throw new TorchStateDictError(source, problem);
  };
  if (!isZipArchive(bytes)) {
    fail(
      'not a zip archive: tmu reads the format torch.save writes since PyTorch 1.6 (not the legacy format, _use_new_zipfile_serialization=False)',
    );
  }
  let entries: Map<string, Uint8Array>;
  try {
    entries = readZipEntries(bytes, source);
  } catch (error) {
    throw new TorchStateDictError(source, (error as Error).message.replace(`${source}: `, ''));
  }
  const pickleName = [...entries.keys()].find((name) => name.endsWith('data.pkl'));
  if (pickleName === undefined) fail('the archive has no data.pkl record: not written by torch.save');
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  if (entries.has(`${prefix}constants.pkl`) || entries.has(`${prefix}code/`))
    fail('this is a TorchScript archive (torch.jit.save), not a state dict: import it as TorchScript');
  const unpickler = new StateDictUnpickler(entries.get(pickleName)!, fail, (key) => {
    const record = entries.get(`${prefix}data/${key}`);
    if (record === undefined) fail(`the archive lacks the storage record data/${key} (truncated?)`);
    return record;
  });
  try {
    const root = unpickler.run();
    if (!(root instanceof Map)) fail('the file holds something other than a dict of tensors');
    const state = new Map<string, Tensor>();
    const notTensors: string[] = [];
    for (const [key, value] of root) {
      if (typeof key !== 'string') fail('the dict has a key that is not a string');
      if (value instanceof Map || value === null || typeof value !== 'object' || !('handle' in value)) {
        notTensors.push(key);
        continue;
      }
      state.set(key, value as Tensor);
    }
    if (notTensors.length > 0) {
      fail(
        `the dict has values that are not tensors (${notTensors.slice(0, 5).join(', ')}${notTensors.length > 5 ? ', ...' : ''}): save model.state_dict(), not a training checkpoint`,
      );
    }
    return state;
  } catch (error) {
    dispose(unpickler.created);
    throw error;
  }
}

/** Reads a `torch.save(model.state_dict(), path)` file (see {@link decodeTorchStateDict}). */
export function loadTorchStateDict(path: string): Map<string, Tensor> {
  return decodeTorchStateDict(readFileSync(path), path);
}

/** Writes tensors as `torch.save` would (a dict `torch.load` reads), atomically. */
export function saveTorchStateDict(path: string, state: ReadonlyMap<string, Tensor>): void {
  writeFileAtomic(path, encodeTorchSave(state));
}
