import { describeParams, type ParamDescription } from '../../unlearn/params.js';
import type { Command } from '../command.js';
import { printResult, UsageError } from '../command.js';

const WIDTH = 120;

/** `text` wrapped to lines of at most `WIDTH` characters, each starting with `indent`. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > indent.length && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent;
    }
    line += line.length > indent.length ? ` ${word}` : word;
  }
  if (line.length > indent.length) lines.push(line);
  return lines;
}

/** A default as it is typed on the command line (`--param name=value`). */
function commandLineValue(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(',') : String(value);
}

/** One parameter: `name=default` and its description, on one line when they fit. */
function paramLines(param: ParamDescription, indent: string): string[] {
  const assignment = `${indent}${param.name}=${commandLineValue(param.default)}`;
  const column = Math.max(assignment.length + 2, 36);
  if (column + param.description.length <= WIDTH) return [`${assignment.padEnd(column)}${param.description}`];
  return [assignment, ...wrap(param.description, `${indent}    `)];
}

/** `tmu methods`: the unlearning methods with their parameters and defaults. */
export const methodsCommand: Command = {
  name: 'methods',
  summary: 'list the unlearning methods (or the ones named) with their parameters and defaults',
  details: ['Examples:', '  tmu methods', '  tmu methods tmu finetune', '  tmu methods --json'].join('\n'),
  flags: {},
  async run(flags, names) {
    const { getMethod, listMethods } = await import('../../unlearn/methods.js');
    const chosen = names.length > 0 ? names.map((name) => getMethod(name)) : listMethods();
    if (new Set(names).size !== names.length) throw new UsageError('a method is named twice');
    const methods = chosen.map((method) => ({
      name: method.name,
      description: method.description,
      reference: method.reference,
      capabilities: method.capabilities,
      prepares: method.prepare !== undefined,
      params: describeParams(method),
    }));
    const human = methods
      .map((method) => {
        const facts = [
          ...(method.capabilities.needsHoldout ? ['needs a holdout'] : []),
          ...(method.prepares ? ['prepares once per model (tmu prepare)'] : []),
          ...(method.capabilities.diagnostics ? ['reports per-sample easy/hard predictions'] : []),
          ...(method.capabilities.exact ? ['exact: it is the gold model'] : []),
        ];
        const groups = [...new Set(method.params.map((param) => param.group))];
        const params = groups.flatMap((group) => [
          ...(group ? [`  ${group}:`] : []),
          ...method.params
            .filter((param) => param.group === group)
            .flatMap((param) => paramLines(param, group ? '    ' : '  ')),
        ]);
        return [
          ...wrap(`${method.name}: ${method.description}`, ''),
          ...wrap(`reference: ${method.reference}`, '  '),
          ...(facts.length > 0 ? [`  ${facts.join('; ')}`] : []),
          `  parameters (--param name=value):`,
          ...params,
        ].join('\n');
      })
      .join('\n\n');
    printResult(flags, { methods }, human);
    return 0;
  },
};
