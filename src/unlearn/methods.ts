import { badTeacher } from './baselines/badTeacher.js';
import { boundaryShrink } from './baselines/boundaryShrink.js';
import { finetune } from './baselines/finetune.js';
import { gradientAscent } from './baselines/gradientAscent.js';
import { gradientAscentCalibrated } from './baselines/gradientAscentCalibrated.js';
import { l1Sparse } from './baselines/l1Sparse.js';
import { neggradPlus } from './baselines/neggradPlus.js';
import { randomLabel } from './baselines/randomLabel.js';
import { retrain } from './baselines/retrain.js';
import { salun } from './baselines/salun.js';
import { scrub } from './baselines/scrub.js';
import { ssd } from './baselines/ssd.js';
import { registerMethod } from './registry.js';
import { tmu } from './tmu/tmu.js';

// The built-in methods, registered once when the unlearn layer is imported.
for (const method of [
  tmu,
  retrain,
  finetune,
  gradientAscent,
  gradientAscentCalibrated,
  neggradPlus,
  randomLabel,
  boundaryShrink,
  l1Sparse,
  salun,
  scrub,
  badTeacher,
  ssd,
])
  registerMethod(method);

export { getMethod, listMethods, registerMethod } from './registry.js';
