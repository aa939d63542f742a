import { finetune } from './baselines/finetune.js';
import { registerMethod } from './registry.js';

// The built-in methods, registered once when the unlearn layer is imported.
for (const method of [finetune]) registerMethod(method);

export { getMethod, listMethods, registerMethod } from './registry.js';
