// The op table: the single place that declares the native ops.
//
// Each row names an op, its arguments and result, and the C++ expression that computes it.
// generate.mjs turns this table into the N-API glue (native/src/generated/ops.cc), the typed
// declaration of the addon (src/tensor/generated/native.ts) and the TypeScript functions and Tensor
// methods (src/tensor/generated/ops.ts), so adding an op is one line here.
//
// Signature types: Tensor, Tensor?, Tensor|Scalar, Tensor[], Scalar, Scalar?, int, int?, int[], int[]?,
// float, float?, bool, Dtype, Dtype?, Device, Reduction, string, TypedArray, Value (a raw handle).
// Defaults are TypeScript literals, applied by the generated TypeScript wrapper.
// Results: Tensor, Tensor?, Tensor[], Tensor,Tensor (a pair), self (in place, returns its first
// argument), void, float, int, bool, int[], string, ArrayBuffer.
// Options: method (also a Tensor method; a string renames it), fn (false: no exported function;
// a string renames it), internal (only in the native declaration), doc (TSDoc line).

const opts = 'at::TensorOptions().dtype(dtype).device(device)';
const likeOpts = 'self.options().dtype(dtype.value_or(self.scalar_type()))';

/** @typedef {{name: string, sig: string, ret: string, cpp: string, method?: boolean|string, fn?: boolean|string, internal?: boolean, doc?: string}} OpRow */

/** @returns {OpRow} */
function op(name, sig, ret, cpp, options = {}) {
  return { name, sig, ret, cpp, ...options };
}
const method = { method: true };
const methodOnly = { method: true, fn: false };

/** @type {OpRow[]} */
export const ops = [
  // ---- runtime ----
  op('dispose', 'Value handle', 'bool', 'Dispose(handle)', { internal: true }),
  op('isDisposed', 'Value handle', 'bool', 'IsDisposed(handle)', { internal: true }),
  op('liveTensors', '', 'int', 'LiveTensors()', { internal: true }),
  op('cpuCacheStats', '', 'int[]', 'CpuCacheStats()', { internal: true }),
  op('emptyCpuCache', '', 'int', 'EmptyCpuCache()', { internal: true }),
  op('setCpuCacheLimit', 'int bytes', 'void', 'SetCpuCacheLimit(bytes)', { internal: true }),
  op('manualSeed', 'int seed', 'void', 'ManualSeed(seed)', { internal: true }),
  op('setNumThreads', 'int threads', 'void', 'at::set_num_threads(static_cast<int>(threads))', { internal: true }),
  op('getNumThreads', '', 'int', 'at::get_num_threads()', { internal: true }),
  op('setNumInteropThreads', 'int threads', 'void', 'at::set_num_interop_threads(static_cast<int>(threads))', {
    internal: true,
  }),
  op('getNumInteropThreads', '', 'int', 'at::get_num_interop_threads()', { internal: true }),
  op('cudaAvailable', '', 'bool', 'at::hasCUDA()', { internal: true }),
  op('setGradEnabled', 'bool enabled', 'bool', 'SetGradEnabled(enabled)', { internal: true }),
  op('isGradEnabled', '', 'bool', 'IsGradEnabled()', { internal: true }),
  op('enterInferenceMode', '', 'void', 'EnterInferenceMode()', { internal: true }),
  op('exitInferenceMode', '', 'void', 'ExitInferenceMode()', { internal: true }),
  op('isInferenceMode', '', 'bool', 'c10::InferenceMode::is_enabled()', { internal: true }),

  // ---- creation ----
  op(
    'fromTypedArray',
    'TypedArray data, int[] shape, Dtype dtype, Device device',
    'Tensor',
    'FromTypedArray(data, shape, dtype, device)',
    { internal: true },
  ),
  op('toArrayBuffer', 'Tensor self', 'ArrayBuffer', 'ToArrayBuffer(env, self)', { internal: true }),
  op('zeros', 'int[] shape, Dtype dtype = "float32", Device device = "cpu"', 'Tensor', `at::zeros(shape, ${opts})`, {
    doc: 'A tensor of zeros.',
  }),
  op('ones', 'int[] shape, Dtype dtype = "float32", Device device = "cpu"', 'Tensor', `at::ones(shape, ${opts})`, {
    doc: 'A tensor of ones.',
  }),
  op('empty', 'int[] shape, Dtype dtype = "float32", Device device = "cpu"', 'Tensor', `at::empty(shape, ${opts})`, {
    doc: 'An uninitialised tensor.',
  }),
  op(
    'full',
    'int[] shape, Scalar value, Dtype dtype = "float32", Device device = "cpu"',
    'Tensor',
    `at::full(shape, value, ${opts})`,
    { doc: 'A tensor filled with `value`.' },
  ),
  op('eye', 'int n, Dtype dtype = "float32", Device device = "cpu"', 'Tensor', `at::eye(n, ${opts})`, {
    doc: 'The n x n identity matrix.',
  }),
  op(
    'arange',
    'Scalar start, Scalar end, Scalar step = 1, Dtype? dtype = null, Device device = "cpu"',
    'Tensor',
    'at::arange(start, end, step, at::TensorOptions().dtype(dtype.value_or(start.isIntegral(false) && end.isIntegral(false) && step.isIntegral(false) ? at::kLong : at::kFloat)).device(device))',
    {
      doc: 'Values from start (inclusive) to end (exclusive) by step; int64 when all three are integers, as in PyTorch.',
    },
  ),
  op(
    'linspace',
    'Scalar start, Scalar end, int steps, Dtype dtype = "float32", Device device = "cpu"',
    'Tensor',
    `at::linspace(start, end, steps, ${opts})`,
    { doc: '`steps` evenly spaced values from start to end inclusive.' },
  ),
  op('rand', 'int[] shape, Dtype dtype = "float32", Device device = "cpu"', 'Tensor', `at::rand(shape, ${opts})`, {
    doc: 'Uniform samples on [0, 1) from the global generator.',
  }),
  op('randn', 'int[] shape, Dtype dtype = "float32", Device device = "cpu"', 'Tensor', `at::randn(shape, ${opts})`, {
    doc: 'Standard normal samples from the global generator.',
  }),
  op(
    'randint',
    'int low, int high, int[] shape, Dtype dtype = "int64", Device device = "cpu"',
    'Tensor',
    `at::randint(low, high, shape, ${opts})`,
    { doc: 'Uniform integers in [low, high).' },
  ),
  op('randperm', 'int n, Dtype dtype = "int64", Device device = "cpu"', 'Tensor', `at::randperm(n, ${opts})`, {
    doc: 'A random permutation of 0..n-1.',
  }),
  op('zerosLike', 'Tensor self, Dtype? dtype = null', 'Tensor', `at::zeros_like(self, ${likeOpts})`),
  op('onesLike', 'Tensor self, Dtype? dtype = null', 'Tensor', `at::ones_like(self, ${likeOpts})`),
  op('emptyLike', 'Tensor self, Dtype? dtype = null', 'Tensor', `at::empty_like(self, ${likeOpts})`),
  op('fullLike', 'Tensor self, Scalar value, Dtype? dtype = null', 'Tensor', `at::full_like(self, value, ${likeOpts})`),
  op('randLike', 'Tensor self', 'Tensor', 'at::rand_like(self)'),
  op('randnLike', 'Tensor self', 'Tensor', 'at::randn_like(self)'),

  // ---- metadata ----
  op('shapeOf', 'Tensor self', 'int[]', 'self.sizes()', { internal: true }),
  op('dtypeOf', 'Tensor self', 'string', 'DtypeName(self.scalar_type())', { internal: true }),
  op('deviceOf', 'Tensor self', 'string', 'self.device().str()', { internal: true }),
  op('numelOf', 'Tensor self', 'int', 'self.numel()', { internal: true }),
  op('item', 'Tensor self', 'float', 'self.item().toDouble()', { internal: true }),
  op('isContiguous', 'Tensor self', 'bool', 'self.is_contiguous()', methodOnly),
  op('requiresGradOf', 'Tensor self', 'bool', 'self.requires_grad()', { internal: true }),
  op('setRequiresGrad', 'Tensor self, bool requiresGrad', 'void', 'self.requires_grad_(requiresGrad)', {
    internal: true,
  }),
  op('isLeafOf', 'Tensor self', 'bool', 'self.is_leaf()', { internal: true }),

  // ---- conversion ----
  op('toDtype', 'Tensor self, Dtype dtype', 'Tensor', 'self.to(dtype)', {
    ...method,
    doc: 'A copy converted to `dtype` (the tensor itself when it already has it).',
  }),
  op('toDevice', 'Tensor self, Device device', 'Tensor', 'self.to(device)', { ...method, doc: 'A copy on `device`.' }),
  op('contiguous', 'Tensor self', 'Tensor', 'self.contiguous()', method),
  op('clone', 'Tensor self', 'Tensor', 'self.clone()', method),
  op('detach', 'Tensor self', 'Tensor', 'self.detach()', {
    ...method,
    doc: 'The same data, cut from the autograd graph.',
  }),

  // ---- shape ----
  op('reshape', 'Tensor self, int[] shape', 'Tensor', 'self.reshape(shape)', method),
  op('view', 'Tensor self, int[] shape', 'Tensor', 'self.view(shape)', method),
  op(
    'asStrided',
    'Tensor self, int[] size, int[] stride, int storageOffset = 0',
    'Tensor',
    'self.as_strided(size, stride, storageOffset)',
    {
      ...method,
      doc: 'A view of the same memory with the given sizes, strides and offset (in elements), as torch.as_strided.',
    },
  ),
  op('permute', 'Tensor self, int[] dims', 'Tensor', 'self.permute(dims)', method),
  op('transpose', 'Tensor self, int dim0, int dim1', 'Tensor', 'self.transpose(dim0, dim1)', method),
  op('t', 'Tensor self', 'Tensor', 'self.t()', methodOnly),
  op('flatten', 'Tensor self, int startDim = 0, int endDim = -1', 'Tensor', 'self.flatten(startDim, endDim)', method),
  op(
    'squeeze',
    'Tensor self, int? dim = null',
    'Tensor',
    'dim.has_value() ? self.squeeze(*dim) : self.squeeze()',
    method,
  ),
  op('unsqueeze', 'Tensor self, int dim', 'Tensor', 'self.unsqueeze(dim)', method),
  op('expand', 'Tensor self, int[] shape', 'Tensor', 'self.expand(shape)', method),
  op('expandAs', 'Tensor self, Tensor other', 'Tensor', 'self.expand_as(other)', method),
  op('narrow', 'Tensor self, int dim, int start, int length', 'Tensor', 'self.narrow(dim, start, length)', method),
  op(
    'slice',
    'Tensor self, int dim = 0, int? start = null, int? end = null, int step = 1',
    'Tensor',
    'self.slice(dim, start, end, step)',
    method,
  ),
  op('select', 'Tensor self, int dim, int index', 'Tensor', 'self.select(dim, index)', method),
  op('indexSelect', 'Tensor self, int dim, Tensor index', 'Tensor', 'self.index_select(dim, index)', method),
  op('gather', 'Tensor self, int dim, Tensor index', 'Tensor', 'self.gather(dim, index)', method),
  op(
    'embeddingBag',
    'Tensor weight, Tensor indices, Tensor offsets, int mode = 1, int paddingIdx = -1',
    'Tensor',
    'std::get<0>(at::embedding_bag(weight, indices, offsets, false, mode, false, c10::nullopt, false, paddingIdx < 0 ? c10::optional<int64_t>() : c10::optional<int64_t>(paddingIdx)))',
    {
      doc: 'Sums (mode 0), means (1) or maxima (2) of the weight rows each bag of indices selects (bags start at offsets; paddingIdx rows are left out), as torch.nn.functional.embedding_bag.',
    },
  ),
  op('scatter', 'Tensor self, int dim, Tensor index, Tensor src', 'Tensor', 'self.scatter(dim, index, src)', method),
  op(
    'scatterValue',
    'Tensor self, int dim, Tensor index, Scalar value',
    'Tensor',
    'self.scatter(dim, index, value)',
    method,
  ),
  op('indexPut_', 'Tensor self, Tensor index, Tensor values', 'self', 'self.index_put_({index}, values)', method),
  op('cat', 'Tensor[] tensors, int dim = 0', 'Tensor', 'at::cat(tensors, dim)'),
  op('stack', 'Tensor[] tensors, int dim = 0', 'Tensor', 'at::stack(tensors, dim)'),
  op('split', 'Tensor self, int splitSize, int dim = 0', 'Tensor[]', 'self.split(splitSize, dim)', method),
  op(
    'splitWithSizes',
    'Tensor self, int[] sizes, int dim = 0',
    'Tensor[]',
    'self.split_with_sizes(sizes, dim)',
    method,
  ),
  op('chunk', 'Tensor self, int chunks, int dim = 0', 'Tensor[]', 'self.chunk(chunks, dim)', method),
  op('repeat', 'Tensor self, int[] repeats', 'Tensor', 'self.repeat(repeats)', method),
  op('flip', 'Tensor self, int[] dims', 'Tensor', 'self.flip(dims)', method),
  op('maskedFill', 'Tensor self, Tensor mask, Scalar value', 'Tensor', 'self.masked_fill(mask, value)', method),
  op('maskedSelect', 'Tensor self, Tensor mask', 'Tensor', 'self.masked_select(mask)', method),
  op('nonzero', 'Tensor self', 'Tensor', 'self.nonzero()', method),

  // ---- elementwise ----
  op('add', 'Tensor self, Tensor|Scalar other, Scalar alpha = 1', 'Tensor', 'at::add(self, other, alpha)', method),
  op('sub', 'Tensor self, Tensor|Scalar other, Scalar alpha = 1', 'Tensor', 'at::sub(self, other, alpha)', method),
  op('mul', 'Tensor self, Tensor|Scalar other', 'Tensor', 'at::mul(self, other)', method),
  op('div', 'Tensor self, Tensor|Scalar other', 'Tensor', 'at::div(self, other)', method),
  op('pow', 'Tensor self, Tensor|Scalar exponent', 'Tensor', 'at::pow(self, exponent)', method),
  op('neg', 'Tensor self', 'Tensor', 'at::neg(self)', method),
  op('sqrt', 'Tensor self', 'Tensor', 'at::sqrt(self)', method),
  op('rsqrt', 'Tensor self', 'Tensor', 'at::rsqrt(self)', method),
  op('exp', 'Tensor self', 'Tensor', 'at::exp(self)', method),
  op('log', 'Tensor self', 'Tensor', 'at::log(self)', method),
  op('log1p', 'Tensor self', 'Tensor', 'at::log1p(self)', method),
  op('abs', 'Tensor self', 'Tensor', 'at::abs(self)', method),
  op('sign', 'Tensor self', 'Tensor', 'at::sign(self)', method),
  op('square', 'Tensor self', 'Tensor', 'at::square(self)', method),
  op('reciprocal', 'Tensor self', 'Tensor', 'at::reciprocal(self)', method),
  op('floor', 'Tensor self', 'Tensor', 'at::floor(self)', method),
  op('ceil', 'Tensor self', 'Tensor', 'at::ceil(self)', method),
  op('round', 'Tensor self', 'Tensor', 'at::round(self)', method),
  op('clamp', 'Tensor self, Scalar? min = null, Scalar? max = null', 'Tensor', 'at::clamp(self, min, max)', method),
  op('minimum', 'Tensor self, Tensor|Scalar other', 'Tensor', 'at::minimum(self, other)', method),
  op('maximum', 'Tensor self, Tensor|Scalar other', 'Tensor', 'at::maximum(self, other)', method),
  op(
    'where',
    'Tensor condition, Tensor|Scalar self, Tensor|Scalar other',
    'Tensor',
    'at::where(condition, self, other)',
    { doc: 'Elementwise `condition ? self : other`, broadcasting.' },
  ),
  op('eq', 'Tensor self, Tensor|Scalar other', 'Tensor', 'at::eq(self, other)', method),
  op('ne', 'Tensor self, Tensor|Scalar other', 'Tensor', 'at::ne(self, other)', method),
  op('gt', 'Tensor self, Tensor|Scalar other', 'Tensor', 'at::gt(self, other)', method),
  op('ge', 'Tensor self, Tensor|Scalar other', 'Tensor', 'at::ge(self, other)', method),
  op('lt', 'Tensor self, Tensor|Scalar other', 'Tensor', 'at::lt(self, other)', method),
  op('le', 'Tensor self, Tensor|Scalar other', 'Tensor', 'at::le(self, other)', method),
  op('logicalNot', 'Tensor self', 'Tensor', 'at::logical_not(self)', method),
  op('logicalAnd', 'Tensor self, Tensor other', 'Tensor', 'at::logical_and(self, other)', method),
  op('logicalOr', 'Tensor self, Tensor other', 'Tensor', 'at::logical_or(self, other)', method),
  op('isnan', 'Tensor self', 'Tensor', 'at::isnan(self)', method),
  op('isfinite', 'Tensor self', 'Tensor', 'at::isfinite(self)', method),

  // ---- in place ----
  op('add_', 'Tensor self, Tensor|Scalar other, Scalar alpha = 1', 'self', 'self.add_(other, alpha)', method),
  op('sub_', 'Tensor self, Tensor|Scalar other, Scalar alpha = 1', 'self', 'self.sub_(other, alpha)', method),
  op('mul_', 'Tensor self, Tensor|Scalar other', 'self', 'self.mul_(other)', method),
  op('div_', 'Tensor self, Tensor|Scalar other', 'self', 'self.div_(other)', method),
  op('clamp_', 'Tensor self, Scalar? min = null, Scalar? max = null', 'self', 'self.clamp_(min, max)', method),
  op('zero_', 'Tensor self', 'self', 'self.zero_()', method),
  op('fill_', 'Tensor self, Scalar value', 'self', 'self.fill_(value)', method),
  op('copy_', 'Tensor self, Tensor src', 'self', 'self.copy_(src)', method),
  op('uniform_', 'Tensor self, float low = 0, float high = 1', 'self', 'self.uniform_(low, high)', method),
  op('normal_', 'Tensor self, float mean = 0, float std = 1', 'self', 'self.normal_(mean, std)', method),
  op('maskedFill_', 'Tensor self, Tensor mask, Scalar value', 'self', 'self.masked_fill_(mask, value)', method),

  // ---- reductions ----
  op(
    'sum',
    'Tensor self, int[]? dim = null, bool keepdim = false, Dtype? dtype = null',
    'Tensor',
    'dim.has_value() ? at::sum(self, *dim, keepdim, dtype) : at::sum(self, dtype)',
    method,
  ),
  op(
    'mean',
    'Tensor self, int[]? dim = null, bool keepdim = false',
    'Tensor',
    'dim.has_value() ? at::mean(self, *dim, keepdim) : at::mean(self)',
    method,
  ),
  op(
    'var',
    'Tensor self, int[]? dim = null, bool unbiased = true, bool keepdim = false',
    'Tensor',
    'dim.has_value() ? at::var(self, *dim, unbiased, keepdim) : at::var(self, unbiased)',
    { method: true, fn: 'variance' },
  ),
  op(
    'std',
    'Tensor self, int[]? dim = null, bool unbiased = true, bool keepdim = false',
    'Tensor',
    'dim.has_value() ? at::std(self, *dim, unbiased, keepdim) : at::std(self, unbiased)',
    { method: true, fn: 'standardDeviation' },
  ),
  op('max', 'Tensor self', 'Tensor', 'at::max(self)', method),
  op('min', 'Tensor self', 'Tensor', 'at::min(self)', method),
  op('maxDim', 'Tensor self, int dim, bool keepdim = false', 'Tensor,Tensor', 'at::max(self, dim, keepdim)', {
    ...method,
    doc: 'Maximum along `dim`: [values, indices].',
  }),
  op('minDim', 'Tensor self, int dim, bool keepdim = false', 'Tensor,Tensor', 'at::min(self, dim, keepdim)', {
    ...method,
    doc: 'Minimum along `dim`: [values, indices].',
  }),
  op(
    'argmax',
    'Tensor self, int? dim = null, bool keepdim = false',
    'Tensor',
    'at::argmax(self, dim, keepdim)',
    method,
  ),
  op(
    'argmin',
    'Tensor self, int? dim = null, bool keepdim = false',
    'Tensor',
    'at::argmin(self, dim, keepdim)',
    method,
  ),
  op(
    'topk',
    'Tensor self, int k, int dim = -1, bool largest = true, bool sorted = true',
    'Tensor,Tensor',
    'at::topk(self, k, dim, largest, sorted)',
    { ...method, doc: 'The k largest (or smallest) entries along `dim`: [values, indices].' },
  ),
  op('sort', 'Tensor self, int dim = -1, bool descending = false', 'Tensor,Tensor', 'at::sort(self, dim, descending)', {
    ...method,
    doc: 'Sorted along `dim`: [values, indices].',
  }),
  op(
    'argsort',
    'Tensor self, int dim = -1, bool descending = false',
    'Tensor',
    'at::argsort(self, dim, descending)',
    method,
  ),
  op('cumsum', 'Tensor self, int dim', 'Tensor', 'at::cumsum(self, dim)', method),
  op(
    'logsumexp',
    'Tensor self, int[] dim, bool keepdim = false',
    'Tensor',
    'at::logsumexp(self, dim, keepdim)',
    method,
  ),
  op(
    'norm',
    'Tensor self, Scalar p = 2, int[]? dim = null, bool keepdim = false',
    'Tensor',
    'dim.has_value() ? at::norm(self, p, *dim, keepdim) : at::norm(self, p)',
    method,
  ),
  op('all', 'Tensor self', 'Tensor', 'at::all(self)', method),
  op('any', 'Tensor self', 'Tensor', 'at::any(self)', method),

  // ---- linear algebra ----
  op('matmul', 'Tensor self, Tensor other', 'Tensor', 'at::matmul(self, other)', method),
  op('mm', 'Tensor self, Tensor other', 'Tensor', 'at::mm(self, other)', method),
  op('bmm', 'Tensor self, Tensor other', 'Tensor', 'at::bmm(self, other)', method),

  // ---- nn functional ----
  op('linear', 'Tensor input, Tensor weight, Tensor? bias = null', 'Tensor', 'at::linear(input, weight, bias)', {
    doc: 'input @ weight^T + bias.',
  }),
  op(
    'conv2d',
    'Tensor input, Tensor weight, Tensor? bias = null, int[] stride = 1, int[] padding = 0, int[] dilation = 1, int groups = 1',
    'Tensor',
    'at::conv2d(input, weight, bias, stride, padding, dilation, groups)',
  ),
  op(
    'maxPool2d',
    'Tensor input, int[] kernelSize, int[]? stride = null, int[] padding = 0, int[] dilation = 1, bool ceilMode = false',
    'Tensor',
    'at::max_pool2d(input, kernelSize, stride.value_or(std::vector<int64_t>{}), padding, dilation, ceilMode)',
  ),
  op(
    'avgPool2d',
    'Tensor input, int[] kernelSize, int[]? stride = null, int[] padding = 0, bool ceilMode = false, bool countIncludePad = true',
    'Tensor',
    'at::avg_pool2d(input, kernelSize, stride.value_or(std::vector<int64_t>{}), padding, ceilMode, countIncludePad)',
  ),
  op('adaptiveAvgPool2d', 'Tensor input, int[] outputSize', 'Tensor', 'at::adaptive_avg_pool2d(input, outputSize)'),
  op(
    'batchNorm',
    'Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null, bool training = false, float momentum = 0.1, float eps = 1e-5',
    'Tensor',
    'at::batch_norm(input, weight, bias, runningMean, runningVar, training, momentum, eps, at::globalContext().userEnabledCuDNN())',
    {
      doc: 'Batch normalisation; in training mode it updates the running statistics in place, as torch.nn.functional.batch_norm.',
    },
  ),
  op('dropout', 'Tensor input, float p = 0.5, bool training = true', 'Tensor', 'at::dropout(input, p, training)'),
  op('relu', 'Tensor self', 'Tensor', 'at::relu(self)', method),
  op('leakyRelu', 'Tensor self, Scalar negativeSlope = 0.01', 'Tensor', 'at::leaky_relu(self, negativeSlope)', method),
  op('sigmoid', 'Tensor self', 'Tensor', 'at::sigmoid(self)', method),
  op('tanh', 'Tensor self', 'Tensor', 'at::tanh(self)', method),
  op('softmax', 'Tensor self, int dim', 'Tensor', 'at::softmax(self, dim)', method),
  op('logSoftmax', 'Tensor self, int dim', 'Tensor', 'at::log_softmax(self, dim)', method),
  op(
    'crossEntropy',
    'Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = "mean", int ignoreIndex = -100, float labelSmoothing = 0',
    'Tensor',
    'at::cross_entropy_loss(input, target, weight, reduction, ignoreIndex, labelSmoothing)',
    {
      doc: 'Cross-entropy of logits against class indices (or class probabilities), as torch.nn.functional.cross_entropy.',
    },
  ),
  op(
    'nllLoss',
    'Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = "mean", int ignoreIndex = -100',
    'Tensor',
    'at::nll_loss_nd(input, target, weight, reduction, ignoreIndex)',
  ),
  op(
    'klDiv',
    'Tensor input, Tensor target, string reduction = "mean", bool logTarget = false',
    'Tensor',
    'KlDiv(input, target, reduction, logTarget)',
    {
      doc: 'KL(target || input) with `input` given as log-probabilities; reduction none, mean, sum or batchmean, as torch.nn.functional.kl_div.',
    },
  ),
  op(
    'binaryCrossEntropyWithLogits',
    'Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = "mean"',
    'Tensor',
    'at::binary_cross_entropy_with_logits(input, target, weight, posWeight, reduction)',
  ),
  op(
    'mseLoss',
    'Tensor input, Tensor target, Reduction reduction = "mean"',
    'Tensor',
    'at::mse_loss(input, target, reduction)',
  ),
  op(
    'normalize',
    'Tensor input, float p = 2, int dim = 1, float eps = 1e-12',
    'Tensor',
    'Normalize(input, p, dim, eps)',
    { doc: 'input / max(||input||_p, eps) along `dim`.' },
  ),
  op('cdist', 'Tensor x1, Tensor x2, float p = 2', 'Tensor', 'at::cdist(x1, x2, p)', {
    doc: 'Pairwise p-norm distances between the rows of x1 and x2.',
  }),
  op('oneHot', 'Tensor self, int numClasses = -1', 'Tensor', 'at::one_hot(self, numClasses)', method),

  // ---- autograd ----
  op(
    'backward',
    'Tensor self, Tensor? gradient = null, bool retainGraph = false',
    'void',
    'Backward(self, gradient, retainGraph)',
    { internal: true },
  ),
  op('gradOf', 'Tensor self', 'Tensor?', 'self.grad()', { internal: true }),
  op('setGrad', 'Tensor self, Tensor? gradient', 'void', 'SetGrad(self, gradient)', { internal: true }),
  op(
    'autogradGrad',
    'Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, bool retainGraph, bool createGraph',
    'Tensor[]',
    'Grad(outputs, inputs, gradOutputs, retainGraph, createGraph)',
    { internal: true },
  ),

  // ---- optimizers (fused, in place) ----
  op('zeroGrads', 'Tensor[] parameters', 'void', 'ZeroGrads(parameters)', { internal: true }),
  op(
    'sgdStep',
    'Tensor[] parameters, Tensor[] momentumBuffers, Tensor[] scratch, float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep',
    'void',
    'SgdStep(parameters, momentumBuffers, scratch, lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep)',
    { internal: true },
  ),
  op(
    'adamStep',
    'Tensor[] parameters, Tensor[] expAvgs, Tensor[] expAvgSqs, Tensor[] scratch, int step, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled, bool maximize',
    'void',
    'AdamStep(parameters, expAvgs, expAvgSqs, scratch, step, lr, beta1, beta2, eps, weightDecay, decoupled, maximize)',
    { internal: true },
  ),
];
