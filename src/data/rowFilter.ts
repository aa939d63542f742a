/**
 * Row filters: "every member row matching a filter", the deletion request of a whole group of customers
 * leaving at once. A condition is `COLUMN=VALUE`, `COLUMN!=VALUE`, `COLUMN<NUMBER` or `COLUMN>NUMBER`;
 * several conditions are ANDed. `=` and `!=` compare a categorical or text value as written (a numeric
 * or boolean column compares numbers); `<` and `>` need a numeric column. A row with a missing value in a
 * condition's column does not match it.
 *
 * @module
 */

import { DataFormatError } from './errors.js';
import { parseBoolean, parseNumber } from './tableSchema.js';
import type { TabularData } from './tabularData.js';

/** One condition of a filter. */
export interface RowCondition {
  column: string;
  op: '=' | '!=' | '<' | '>';
  value: string;
}

/**
 * Parses a condition.
 *
 * @param text - e.g. `contract=Month-to-month`, `tenure<6`
 * @throws RangeError naming the condition when it has no operator, column or value
 */
export function parseCondition(text: string): RowCondition {
  const match = /^([^=!<>]+)(!=|=|<|>)(.*)$/.exec(text);
  if (!match || match[1]!.trim() === '' || match[3]!.trim() === '') {
    throw new RangeError(
      `filter ${JSON.stringify(text)}: expected COLUMN=VALUE, COLUMN!=VALUE, COLUMN<NUMBER or COLUMN>NUMBER`,
    );
  }
  return { column: match[1]!.trim(), op: match[2] as RowCondition['op'], value: match[3]!.trim() };
}

/**
 * Positions of the rows matching every condition.
 *
 * @param data - the table
 * @param conditions - conditions (ANDed)
 * @returns matching row positions, in table order
 * @throws DataFormatError naming the file and column for an unknown column, a `<`/`>` on a column that
 *   is not numeric, or a value that is not a number where one is compared with numbers
 */
export function matchRows(data: TabularData, conditions: readonly RowCondition[]): Int32Array {
  const keep = new Uint8Array(data.size).fill(1);
  for (const condition of conditions) {
    const column = data.column(condition.column);
    const describe = `filter ${condition.column}${condition.op}${condition.value}`;
    if (column.type === 'numeric' || column.type === 'boolean') {
      const target =
        column.type === 'boolean' && (condition.op === '=' || condition.op === '!=')
          ? parseBoolean(condition.value)
          : parseNumber(condition.value);
      if (Number.isNaN(target))
        throw new DataFormatError(
          data.file,
          `${describe}: column ${JSON.stringify(condition.column)} is ${column.type}, ${JSON.stringify(condition.value)} is not a ${column.type === 'boolean' ? 'boolean' : 'number'}`,
        );
      const values = column.values;
      for (let i = 0; i < data.size; i++) {
        const x = values[i]!;
        const hit =
          !Number.isNaN(x) &&
          (condition.op === '='
            ? x === target
            : condition.op === '!='
              ? x !== target
              : condition.op === '<'
                ? x < target
                : x > target);
        if (!hit) keep[i] = 0;
      }
    } else {
      if (condition.op === '<' || condition.op === '>')
        throw new DataFormatError(
          data.file,
          `${describe}: column ${JSON.stringify(condition.column)} is ${column.type}, not numeric: it compares with = or != only`,
        );
      const values = column.values as (string | null)[];
      for (let i = 0; i < data.size; i++) {
        const value = values[i];
        const hit =
          value !== null &&
          value !== undefined &&
          (condition.op === '=' ? value === condition.value : value !== condition.value);
        if (!hit) keep[i] = 0;
      }
    }
  }
  const out: number[] = [];
  for (let i = 0; i < data.size; i++) if (keep[i]) out.push(i);
  return Int32Array.from(out);
}
