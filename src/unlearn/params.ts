import { z } from 'zod';
import type { ParamsSchema, UnlearningMethod } from './method.js';

/** One parameter as `tmu methods` lists it. */
export interface ParamDescription {
  name: string;
  type: string;
  default: unknown;
  description: string;
  /** The step of the method it tunes, when the method groups its parameters (`.meta({ group })`). */
  group?: string;
}

/** Converts a CLI string (`--param k=v`) to a JSON value: numbers, booleans, lists (`a,b`), else string. */
export function parseParamValue(raw: string): unknown {
  const text = raw.trim();
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text !== '' && Number.isFinite(Number(text))) return Number(text);
  if (text.includes(',')) return text.split(',').map((part) => parseParamValue(part));
  return text;
}

/** A list parameter given one value on the command line (`features=curriculum`) is a one-item list. */
function listsWrapped(schema: ParamsSchema, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  for (const [key, value] of Object.entries(raw)) {
    let field: z.ZodType | undefined = schema.shape[key] as z.ZodType | undefined;
    while (field instanceof z.ZodDefault || field instanceof z.ZodOptional) field = field.unwrap() as z.ZodType;
    if (field instanceof z.ZodArray && value !== undefined && !Array.isArray(value)) out[key] = [value];
  }
  return out;
}

/** Parses `k=v` pairs into an object, rejecting malformed or repeated pairs. */
export function parseParamPairs(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new RangeError(`--param must be key=value, got '${pair}'`);
    const key = pair.slice(0, at).trim();
    if (key in out) throw new RangeError(`--param ${key} given twice`);
    out[key] = parseParamValue(pair.slice(at + 1));
  }
  return out;
}

/**
 * Validates raw parameters against a method's schema and fills defaults. Unknown keys are rejected with
 * the list of valid ones; a bad value names the key and what was expected.
 */
export function resolveParams<S extends ParamsSchema>(
  method: UnlearningMethod<S>,
  raw: Record<string, unknown>,
): z.infer<S> {
  const valid = Object.keys(method.params.shape);
  const unknown = Object.keys(raw).filter((key) => !valid.includes(key));
  if (unknown.length > 0) {
    throw new RangeError(
      `method ${method.name}: unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (valid: ${valid.join(', ')})`,
    );
  }
  const parsed = method.params.safeParse(listsWrapped(method.params, raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RangeError(`method ${method.name}: parameter ${issue.path.join('.') || '(params)'}: ${issue.message}`);
  }
  return parsed.data as z.infer<S>;
}

/** The parts of a JSON Schema that name a parameter's type. */
interface JsonSchemaType {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchemaType[];
}

/** A short type name for help text: `number`, `a|b|c` for choices, `integer|twin` for a number or a word. */
function typeName(json: JsonSchemaType): string {
  if (json.enum) return json.enum.map(String).join('|');
  if (json.const !== undefined) return String(json.const);
  if (json.anyOf) return json.anyOf.map(typeName).join('|');
  if (Array.isArray(json.type)) return json.type.join('|');
  return json.type ?? 'value';
}

/** The parameters of a method with types, defaults and descriptions (from the schema). */
export function describeParams(method: UnlearningMethod): ParamDescription[] {
  const defaults = method.params.parse({}) as Record<string, unknown>;
  return Object.entries(method.params.shape).map(([name, schema]) => {
    const json = z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as JsonSchemaType & {
      description?: string;
      group?: string;
    };
    return {
      name,
      type: typeName(json),
      default: defaults[name],
      description: (schema as z.ZodType).description ?? json.description ?? '',
      ...(typeof json.group === 'string' ? { group: json.group } : {}),
    };
  });
}
