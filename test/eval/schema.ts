/**
 * Validation of report JSON against the committed JSON Schema (schema/report.schema.json) with ajv.
 * Test-only (ajv is a devDependency); the bench tests can import it too.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Ajv2020 } from 'ajv/dist/2020.js';

/** The committed schema file (tests run from dist/test/eval/). */
export const REPORT_SCHEMA_PATH = fileURLToPath(new URL('../../../schema/report.schema.json', import.meta.url));

/** The outcome of a validation: the ajv error messages, with their paths, when invalid. */
export interface ValidationResult {
  valid: boolean;
  errors: string[];
}

let compiled: ((value: unknown) => ValidationResult) | undefined;

/** Validates parsed report JSON (e.g. `JSON.parse(readFileSync('report.json'))`) against the schema. */
export function validateReport(value: unknown): ValidationResult {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    const validate = ajv.compile(schema);
    compiled = (input) => {
      const valid = validate(input);
      return {
        valid,
        errors: (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()),
      };
    };
  }
  return compiled(value);
}
