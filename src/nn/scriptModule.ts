/**
 * TorchScript modules (`torch.jit.script` / `torch.jit.trace`, saved with `.save()`) as tmu modules:
 * the module tree, parameters and buffers mirror the TorchScript module's under PyTorch's names (the
 * tensors are the TorchScript module's own, so an optimizer step through them is the module's), train
 * and eval reach the compiled code, and `forward` runs the compiled graph with autograd.
 *
 * @module
 */

import { type Device, NativeScriptModule, scriptFileVersions, type Tensor } from '../tensor/index.js';
import { defaultLayerInit_, ones_, zeros_ } from './init.js';
import { Module, type ModuleConversion } from './module.js';

/** A file `torch::jit::load` cannot read; the message names the file, the problem and the way out. */
export class ScriptModuleError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'ScriptModuleError';
  }
}

/**
 * Loads a TorchScript archive, turning libtorch's errors into one-line messages: a file-format version
 * outside the range this libtorch reads names both, and how to build tmu against the user's libtorch.
 */
export function loadScript(path: string, device: Device = 'cpu'): NativeScriptModule {
  try {
    return NativeScriptModule.load(path, device);
  } catch (error) {
    const message = (error as Error).message;
    const versions = scriptFileVersions();
    const version = /version (\d+)/i.exec(message);
    if (version !== null && /support|version/i.test(message) && !/operator/i.test(message)) {
      throw new ScriptModuleError(
        path,
        `TorchScript file-format version ${version[1]}, but this build's libtorch reads versions ${versions.minFileFormat} to ${versions.maxFileFormat}; build tmu against your PyTorch's own libtorch: LIBTORCH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))') npm run build`,
      );
    }
    if (/PytorchStreamReader|zip archive|file not found|constants\.pkl|archive/i.test(message)) {
      throw new ScriptModuleError(
        path,
        `not a readable TorchScript archive (${message.replace(/^scriptLoad: /, '').split('\n')[0]}); save the model with torch.jit.script(model).save(path) or torch.jit.trace(model, example).save(path)`,
      );
    }
    throw new ScriptModuleError(path, message.replace(/^scriptLoad: /, '').split('\n')[0] ?? message);
  }
}

/** Registers a TorchScript module's own parameters, buffers and (mirrored) children on `target`. */
export function mirrorScript(target: Module, script: NativeScriptModule): void {
  const level = script.describe();
  for (const [name, tensor] of level.parameters)
    target.registerParameter(name, tensor, { requiresGrad: tensor.requiresGrad });
  for (const [name, tensor] of level.buffers) target.registerBuffer(name, tensor);
  for (const [name, child] of level.children) target.registerModule(name, new ScriptModule(child));
}

/** The class name of a TorchScript type without its module path and mangling (`Conv2d`). */
export function scriptTypeBaseName(typeName: string): string {
  return typeName.split('.').pop() ?? typeName;
}

/**
 * Redraws every parameter of a TorchScript module tree with PyTorch's default initialisation for its
 * layer type: Linear and Conv layers as their `reset_parameters`, BatchNorm and LayerNorm to weight 1,
 * bias 0 (and fresh running statistics). Returns the names of the module types it left unchanged.
 */
export function resetScriptParameters(root: Module): string[] {
  const untouched = new Set<string>();
  for (const module of root.modules()) {
    if (!(module instanceof ScriptModule)) continue;
    const type = scriptTypeBaseName(module.typeName);
    const has = (name: string) => module.hasParameter(name);
    if (/^(Linear|Conv[123]d|ConvTranspose[123]d|Bilinear)$/.test(type) && has('weight')) {
      defaultLayerInit_(module.getParameter('weight'), has('bias') ? module.getParameter('bias') : null);
    } else if (/^(BatchNorm[123]d|LayerNorm|GroupNorm|InstanceNorm[123]d)$/.test(type)) {
      if (has('weight')) ones_(module.getParameter('weight'));
      if (has('bias')) zeros_(module.getParameter('bias'));
      if (module.hasBuffer('running_mean')) zeros_(module.getBuffer('running_mean'));
      if (module.hasBuffer('running_var')) ones_(module.getBuffer('running_var'));
      if (module.hasBuffer('num_batches_tracked')) zeros_(module.getBuffer('num_batches_tracked'));
    } else if ([...module.namedParameters()].some(([name]) => !name.includes('.'))) {
      untouched.add(type);
    }
  }
  return [...untouched];
}

/**
 * A submodule of a loaded TorchScript module (or a whole one): its tensors are the TorchScript
 * module's, `forward` runs its compiled `forward`, `train`/`eval` set the compiled code's flag too.
 */
export class ScriptModule extends Module {
  /** The TorchScript module underneath. */
  readonly script: NativeScriptModule;
  /** TorchScript's class name of the module (`__torch__.torch.nn.modules.linear.Linear`). */
  readonly typeName: string;

  constructor(script: NativeScriptModule) {
    super();
    this.script = script;
    this.typeName = script.describe().typeName;
    mirrorScript(this, script);
  }

  /** Loads a TorchScript archive (see {@link loadScript}). */
  static load(path: string, device: Device = 'cpu'): ScriptModule {
    return new ScriptModule(loadScript(path, device));
  }

  override forward(x: Tensor): Tensor {
    return this.script.forward(x);
  }

  override train(mode = true): this {
    super.train(mode);
    this.script.train(mode);
    return this;
  }

  /** TorchScript modules keep their tensors where they were loaded: load onto the device instead. */
  override to(_conversion: ModuleConversion): this {
    throw new TypeError('a TorchScript module cannot be converted in place; load it with the device it should run on');
  }

  /** Writes the module, with its current weights, as a TorchScript archive (`torch.jit.load` reads it). */
  save(path: string): void {
    this.script.save(path);
  }

  override extraRepr(): string {
    return scriptTypeBaseName(this.typeName);
  }
}
