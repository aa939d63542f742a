import { describeParams } from '../../unlearn/params.js';
import type { Command } from '../command.js';
import { printResult } from '../command.js';

/** `tmu methods`: the unlearning methods with their parameters and defaults. */
export const methodsCommand: Command = {
  name: 'methods',
  summary: 'list the unlearning methods with their parameters and defaults',
  flags: {},
  async run(flags) {
    const { listMethods } = await import('../../unlearn/methods.js');
    const methods = listMethods().map((method) => ({
      name: method.name,
      description: method.description,
      reference: method.reference,
      params: describeParams(method),
    }));
    const human = methods
      .map((method) =>
        [
          `${method.name}: ${method.description}`,
          `  reference: ${method.reference}`,
          ...method.params.map(
            (param) => `  --param ${param.name}=${JSON.stringify(param.default)}  (${param.type}) ${param.description}`,
          ),
        ].join('\n'),
      )
      .join('\n\n');
    printResult(flags, { methods }, human);
    return 0;
  },
};
