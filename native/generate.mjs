#!/usr/bin/env node
// Generates the N-API glue and the TypeScript surface from the op table (ops.mjs).
// Run by the build (scripts/build.sh); the outputs are build artefacts, not committed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ops } from './ops.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

/** Parses 'Tensor self, int dim = 0' into [{type, name, default}]. */
function parseSignature(op) {
  if (op.sig.trim() === '') return [];
  return op.sig.split(',').map((part) => {
    const match = /^\s*([A-Za-z]+(?:\|Scalar)?(?:\[\])?\??)\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*(.+?))?\s*$/.exec(part);
    if (!match) throw new Error(`op ${op.name}: cannot parse argument '${part.trim()}'`);
    const [, type, name, defaultValue] = match;
    if (!(type in cppArg)) throw new Error(`op ${op.name}: unknown argument type '${type}'`);
    return { type, name, defaultValue };
  });
}

const cppArg = {
  Tensor: (n, i) => `at::Tensor& ${n} = ArgTensor(ctx, ${i}, "${n}");`,
  'Tensor?': (n, i) => `auto ${n} = ArgOptionalTensor(ctx, ${i}, "${n}");`,
  'Tensor|Scalar': (n, i) => `at::Tensor ${n} = ArgTensorOrScalar(ctx, ${i}, "${n}");`,
  'Tensor[]': (n, i) => `auto ${n} = ArgTensorList(ctx, ${i}, "${n}");`,
  Scalar: (n, i) => `auto ${n} = ArgScalar(ctx, ${i}, "${n}");`,
  'Scalar?': (n, i) => `auto ${n} = ArgOptionalScalar(ctx, ${i}, "${n}");`,
  int: (n, i) => `int64_t ${n} = ArgInt(ctx, ${i}, "${n}");`,
  'int?': (n, i) => `auto ${n} = ArgOptionalInt(ctx, ${i}, "${n}");`,
  'int[]': (n, i) => `auto ${n} = ArgIntList(ctx, ${i}, "${n}");`,
  'int[]?': (n, i) => `auto ${n} = ArgOptionalIntList(ctx, ${i}, "${n}");`,
  float: (n, i) => `double ${n} = ArgFloat(ctx, ${i}, "${n}");`,
  'float?': (n, i) => `auto ${n} = ArgOptionalFloat(ctx, ${i}, "${n}");`,
  bool: (n, i) => `bool ${n} = ArgBool(ctx, ${i}, "${n}");`,
  Dtype: (n, i) => `auto ${n} = ArgDtype(ctx, ${i}, "${n}");`,
  'Dtype?': (n, i) => `auto ${n} = ArgOptionalDtype(ctx, ${i}, "${n}");`,
  Device: (n, i) => `auto ${n} = ArgDevice(ctx, ${i}, "${n}");`,
  Reduction: (n, i) => `int64_t ${n} = ArgReduction(ctx, ${i}, "${n}");`,
  string: (n, i) => `auto ${n} = ArgString(ctx, ${i}, "${n}");`,
  TypedArray: (n, i) => `auto ${n} = ArgTypedArray(ctx, ${i}, "${n}");`,
  Value: (n, i) => `Napi::Value ${n} = info[${i}];`,
};

const cppReturn = {
  Tensor: (e) => `return Wrap(env, ${e});`,
  'Tensor?': (e) => `return WrapOptional(env, ${e});`,
  'Tensor[]': (e) => `return WrapList(env, ${e});`,
  'Tensor,Tensor': (e) => `return WrapPair(env, ${e});`,
  self: (e) => `${e};\n    return env.Undefined();`,
  void: (e) => `${e};\n    return env.Undefined();`,
  float: (e) => `return Napi::Number::New(env, static_cast<double>(${e}));`,
  int: (e) => `return Napi::Number::New(env, static_cast<double>(${e}));`,
  bool: (e) => `return Napi::Boolean::New(env, ${e});`,
  'int[]': (e) => `return IntListToJs(env, ${e});`,
  string: (e) => `return Napi::String::New(env, ${e});`,
  ArrayBuffer: (e) => `return ${e};`,
};

// Types as the addon sees them, and as the public TypeScript functions take them.
const nativeTs = {
  Tensor: 'NativeTensor',
  'Tensor?': 'NativeTensor | null',
  'Tensor|Scalar': 'NativeTensor | number | boolean',
  'Tensor[]': 'NativeTensor[]',
  Scalar: 'number | boolean',
  'Scalar?': 'number | boolean | null',
  int: 'number',
  'int?': 'number | null',
  'int[]': 'number | readonly number[]',
  'int[]?': 'number | readonly number[] | null',
  float: 'number',
  'float?': 'number | null',
  bool: 'boolean',
  Dtype: 'DType',
  'Dtype?': 'DType | null',
  Device: 'Device',
  Reduction: 'Reduction',
  string: 'string',
  TypedArray: 'TensorData',
  Value: 'NativeTensor',
};
const publicTs = {
  ...nativeTs,
  Tensor: 'Tensor',
  'Tensor?': 'Tensor | null',
  'Tensor|Scalar': 'Tensor | number | boolean',
  'Tensor[]': 'readonly Tensor[]',
};
const nativeReturnTs = {
  Tensor: 'NativeTensor',
  'Tensor?': 'NativeTensor | null',
  'Tensor[]': 'NativeTensor[]',
  'Tensor,Tensor': '[NativeTensor, NativeTensor]',
  self: 'void',
  void: 'void',
  float: 'number',
  int: 'number',
  bool: 'boolean',
  'int[]': 'number[]',
  string: 'string',
  ArrayBuffer: 'ArrayBuffer',
};
const publicReturnTs = {
  ...nativeReturnTs,
  Tensor: 'Tensor',
  'Tensor?': 'Tensor | null',
  'Tensor[]': 'Tensor[]',
  'Tensor,Tensor': '[Tensor, Tensor]',
  self: 'Tensor',
};

function toNativeExpression(arg) {
  switch (arg.type) {
    case 'Tensor':
      return `${arg.name}.handle`;
    case 'Tensor?':
      return `${arg.name} === null ? null : ${arg.name}.handle`;
    case 'Tensor|Scalar':
      return `operand(${arg.name})`;
    case 'Tensor[]':
      return `${arg.name}.map((tensor) => tensor.handle)`;
    default:
      return arg.name;
  }
}

function wrapResult(op, call, selfName) {
  switch (op.ret) {
    case 'Tensor':
      return `return Tensor.fromHandle(${call});`;
    case 'Tensor?':
      return `const handle = ${call};\n  return handle === null ? null : Tensor.fromHandle(handle);`;
    case 'Tensor[]':
      return `return ${call}.map((handle) => Tensor.fromHandle(handle));`;
    case 'Tensor,Tensor':
      return `const [first, second] = ${call};\n  return [Tensor.fromHandle(first), Tensor.fromHandle(second)];`;
    case 'self':
      return `${call};\n  return ${selfName};`;
    case 'void':
      return `${call};`;
    default:
      return `return ${call};`;
  }
}

function generateCpp() {
  const lines = [
    '// Generated by native/generate.mjs from native/ops.mjs. Do not edit.',
    '#include "../runtime.h"',
    '#include "../helpers.h"',
    '#include "../caching_cpu_allocator.h"',
    '',
    'namespace tmu {',
    'namespace {',
  ];
  for (const op of ops) {
    const args = parseSignature(op);
    if (!(op.ret in cppReturn)) throw new Error(`op ${op.name}: unknown result type '${op.ret}'`);
    lines.push(`Napi::Value Op_${op.name}(const Napi::CallbackInfo& info) {`);
    lines.push('  Napi::Env env = info.Env();');
    if (args.length > 0) {
      lines.push(`  if (info.Length() < ${args.length}) {`);
      lines.push(
        `    throw Napi::TypeError::New(env, "${op.name}: expected ${args.length} arguments, got " + std::to_string(info.Length()));`,
      );
      lines.push('  }');
    }
    lines.push(`  const ArgContext ctx{info, "${op.name}"};`);
    lines.push('  (void)ctx;');
    lines.push('  TMU_OP_BEGIN');
    for (const [i, arg] of args.entries()) lines.push(`    ${cppArg[arg.type](arg.name, i)}`);
    lines.push(`    ${cppReturn[op.ret](op.cpp)}`);
    lines.push(`  TMU_OP_END("${op.name}")`);
    lines.push('}');
    lines.push('');
  }
  lines.push('}  // namespace', '', 'void RegisterOps(Napi::Env env, Napi::Object exports) {');
  for (const op of ops)
    lines.push(`  exports.Set("${op.name}", Napi::Function::New(env, Op_${op.name}, "${op.name}"));`);
  lines.push('}', '', '}  // namespace tmu', '');
  return lines.join('\n');
}

function generateNativeTs() {
  const lines = [
    '// Generated by native/generate.mjs from native/ops.mjs. Do not edit.',
    "import type { DType, Device, Reduction, TensorData } from '../dtype.js';",
    '',
    'declare const nativeTensorBrand: unique symbol;',
    '/** Opaque handle to a libtorch tensor owned by the addon. */',
    'export type NativeTensor = { readonly [nativeTensorBrand]: true };',
    '',
    '/** The functions the native addon exports, one per row of the op table. */',
    'export interface NativeOps {',
  ];
  for (const op of ops) {
    const params = parseSignature(op)
      .map((a) => `${a.name}: ${nativeTs[a.type]}`)
      .join(', ');
    lines.push(`  ${op.name}(${params}): ${nativeReturnTs[op.ret]};`);
  }
  lines.push('}', '');
  return lines.join('\n');
}

function generatePublicTs() {
  const lines = [
    '// Generated by native/generate.mjs from native/ops.mjs. Do not edit.',
    "import type { DType, Device, Reduction } from '../dtype.js';",
    "import { native } from '../native.js';",
    "import { Tensor, operand } from '../tensor.js';",
    '',
  ];
  const methodDeclarations = [];
  const methodDefinitions = [];
  for (const op of ops) {
    if (op.internal) continue;
    const args = parseSignature(op);
    const fnName = typeof op.fn === 'string' ? op.fn : op.name;
    const exported = op.fn !== false;
    const localName = exported ? fnName : `${op.name}Op`;
    const params = args
      .map((a) => `${a.name}: ${publicTs[a.type]}${a.defaultValue !== undefined ? ` = ${a.defaultValue}` : ''}`)
      .join(', ');
    const call = `native.${op.name}(${args.map(toNativeExpression).join(', ')})`;
    const doc = op.doc ?? `libtorch \`${op.cpp.replace(/`/g, '')}\`.`;
    lines.push(`/** ${doc} */`);
    lines.push(`${exported ? 'export ' : ''}function ${localName}(${params}): ${publicReturnTs[op.ret]} {`);
    lines.push(`  ${wrapResult(op, call, args[0]?.name)}`);
    lines.push('}', '');
    if (op.method) {
      if (args[0]?.type !== 'Tensor') throw new Error(`op ${op.name}: a method needs a first Tensor argument`);
      const methodName = typeof op.method === 'string' ? op.method : op.name;
      const rest = args.slice(1);
      const optionalParams = rest
        .map((a) => `${a.name}${a.defaultValue !== undefined ? '?' : ''}: ${publicTs[a.type]}`)
        .join(', ');
      methodDeclarations.push(`    /** ${doc} */`);
      methodDeclarations.push(`    ${methodName}(${optionalParams}): ${publicReturnTs[op.ret]};`);
      const restParams = rest.map(
        (a) => `${a.name}: ${publicTs[a.type]}${a.defaultValue !== undefined ? ` = ${a.defaultValue}` : ''}`,
      );
      methodDefinitions.push(
        `Tensor.prototype.${methodName} = function (${['this: Tensor', ...restParams].join(', ')}): ${publicReturnTs[op.ret]} {`,
      );
      methodDefinitions.push(`  return ${localName}(${['this', ...rest.map((a) => a.name)].join(', ')});`);
      methodDefinitions.push('};');
    }
  }
  lines.push(
    "declare module '../tensor.js' {",
    '  interface Tensor {',
    ...methodDeclarations,
    '  }',
    '}',
    '',
    ...methodDefinitions,
    '',
  );
  return lines.join('\n');
}

function writeIfChanged(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
}

writeIfChanged(join(here, 'src/generated/ops.cc'), generateCpp());
writeIfChanged(join(root, 'src/tensor/generated/native.ts'), generateNativeTs());
writeIfChanged(join(root, 'src/tensor/generated/ops.ts'), generatePublicTs());
console.log(`generated ${ops.length} ops`);
