/**
 * TMU's feature scatter of the forget set: each Df sample at two of its predictor features, in two
 * panels with the same axes: coloured by the predictor's easy/hard call, and by whether the gold model
 * really classifies it correctly. The closer the two panels look, the better the predictor.
 *
 * @module
 */

import type { PredictorScatter, ScatterPoint } from '../evaluate.js';
import { escapeHtml } from '../format.js';
import { axes, type Frame, legend, linearScale, noData, openSvg, px, text } from './svg.js';

const GOOD = '#0072B2';
const BAD = '#D55E00';

function panel(scatter: PredictorScatter, by: 'predictor' | 'gold'): string {
  const frame: Frame = { width: 420, height: 400, left: 56, right: 16, top: 40, bottom: 46 };
  const values = (read: (p: ScatterPoint) => number): number[] => scatter.points.map(read).filter(Number.isFinite);
  const xs = values((p) => p.x);
  const ys = values((p) => p.y);
  const x = linearScale([Math.min(0, ...xs), Math.max(1, ...xs)], [frame.left, frame.width - frame.right]);
  const y = linearScale([Math.min(0, ...ys), Math.max(1, ...ys)], [frame.height - frame.bottom, frame.top]);
  const title = by === 'predictor' ? 'coloured by the predictor' : 'coloured by the gold model';
  const parts = [
    openSvg(`predictor-scatter-${by}`, frame, `${scatter.method}: Df samples, ${title}`, {
      'data-method': scatter.method,
    }),
  ];
  parts.push(axes(frame, x, y, scatter.xFeature, scatter.yFeature));
  parts.push(text(frame.left, 14, `${scatter.method} · ${title}`, { class: 'panel-title' }));
  const items =
    by === 'predictor'
      ? [
          { label: 'predicted easy', colour: GOOD },
          { label: 'predicted hard', colour: BAD },
        ]
      : [
          { label: 'gold correct', colour: GOOD },
          { label: 'gold wrong', colour: BAD },
        ];
  parts.push(legend(items, frame.left, 32, frame.width - frame.left));
  let drawn = 0;
  for (const p of scatter.points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const good = by === 'predictor' ? !p.predictedHard : p.goldCorrect;
    drawn++;
    parts.push(
      `<circle cx="${px(x(p.x))}" cy="${px(y(p.y))}" r="3" fill="${good ? GOOD : BAD}" class="dot"><title>${escapeHtml(`${p.id}: P(easy) ${p.pEasy.toFixed(3)}, predicted ${p.predictedHard ? 'hard' : 'easy'}, gold ${p.goldCorrect ? 'correct' : 'wrong'}`)}</title></circle>`,
    );
  }
  if (drawn === 0) parts.push(noData(frame, 'no samples'));
  parts.push('</svg>');
  return parts.join('');
}

/** The two panels (`data-chart="predictor-scatter-predictor"` and `"predictor-scatter-gold"`) of one method. */
export function predictorScatterSvgs(scatter: PredictorScatter): [string, string] {
  return [panel(scatter, 'predictor'), panel(scatter, 'gold')];
}
