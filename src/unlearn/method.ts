import type { z } from 'zod';
import type { UnlearnContext, UnlearnResult } from './context.js';

/** Any method's parameter schema: a zod object whose every field has a default. */
export type ParamsSchema = z.ZodObject<z.ZodRawShape>;

/**
 * What a method's {@link UnlearningMethod.prepare} step built or found for a model: the state it amortises
 * across that model's deletion requests.
 */
export interface MethodPreparation {
  /** Seconds this call took (about 0 when everything was cached). */
  seconds: number;
  /** Seconds building it all takes (what it cost when it was built, also when it was found cached). */
  buildSeconds: number;
  /** Whether everything was found in the model's cache (nothing was built). */
  reused: boolean;
  /** The method's own account of what it prepared. */
  summary: Record<string, unknown>;
}

/** What a method needs from the model's data and what it reports, so callers ask it rather than its name. */
export interface MethodCapabilities {
  /** It needs a holdout set (samples the model never trained on); without one it cannot run. */
  needsHoldout: boolean;
  /** Its results carry per-sample diagnostics (`UnlearnResult.diagnostics`). */
  diagnostics: boolean;
  /**
   * It computes the gold model itself (exact unlearning by retraining with Mo's recipe and seed): an
   * evaluation that already trained the gold model reuses it instead of running the method.
   */
  exact: boolean;
}

/**
 * An unlearning method: a name, a parameter schema with defaults, a description with its reference,
 * its capabilities, and `unlearn(ctx, params)`, which returns a new model and leaves Mo intact. A method
 * with state to amortise across a model's requests also has a `prepare` step.
 */
export interface UnlearningMethod<S extends ParamsSchema = ParamsSchema> {
  /** Registry name, e.g. `tmu`, `finetune`. */
  readonly name: string;
  /** One-paragraph description: what it does and why. */
  readonly description: string;
  /** The paper it follows. */
  readonly reference: string;
  /** Hyper-parameters, every one with a validated default. */
  readonly params: S;
  readonly capabilities: MethodCapabilities;
  unlearn(ctx: UnlearnContext, params: z.infer<S>): UnlearnResult;
  /**
   * Builds, or finds cached beside the model, what the method reuses across the model's deletion
   * requests, so that the first request costs what later ones do. Called with
   * the model's own context (no forget set) and the parameters and seed the requests will use. Methods
   * with nothing to amortise leave it out.
   */
  prepare?(ctx: UnlearnContext, params: z.infer<S>): MethodPreparation;
}

/** Declares a method with its schema's types flowing into `unlearn`. */
export function defineMethod<S extends ParamsSchema>(method: UnlearningMethod<S>): UnlearningMethod<S> {
  return method;
}
