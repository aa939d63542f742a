/**
 * The compliance report of one deletion request as a self-contained HTML page, for auditors and
 * regulators: what was asked to be forgotten, by whom and why, which jobs forgot it, the version lineage
 * with digests, the evaluation and pilot evidence, every ledger event about it and whether the ledger
 * verifies. Inline CSS, no scripts, no network; every string from the report is HTML-escaped.
 *
 * @module
 */

import { escapeHtml } from '../eval/format.js';
import type { ComplianceReport } from './compliance.js';
import type { ReportRecord } from './jobs.js';
import type { VersionRecord } from './models.js';

const STYLE = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px auto; max-width: 1200px; padding: 0 16px; color: #1d1d1f; background: #fff; }
h1 { font-size: 1.45rem; margin-bottom: 0.25rem; word-break: break-all; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
h3 { font-size: 1rem; margin-top: 1.2rem; }
p.meta, p.note { color: #555; font-size: 0.9rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; font-variant-numeric: tabular-nums; margin: 0.5rem 0; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { background: #f5f5f7; }
table.summary th { background: none; color: #555; font-weight: 600; white-space: nowrap; }
td.num { text-align: right; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.8rem; }
td.payload code { white-space: pre-wrap; word-break: break-all; }
.ok { color: #0a7d32; font-weight: 600; }
.bad { color: #b3261e; font-weight: 600; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.8rem; background: #e8eef9; color: #1d3f8a; }
.pill.good { background: #e3f4e8; color: #0a7d32; }
.pill.fail { background: #fbe4e2; color: #b3261e; }
tr.current td { background: #f3f8ff; }
details { margin: 0.5rem 0; }
details ul { columns: 3 18rem; font-size: 0.8rem; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.verify { padding: 8px 12px; border-radius: 6px; border: 1px solid #ddd; }
.verify.ok { background: #f0faf3; border-color: #b9e2c5; }
.verify.bad { background: #fdf0ef; border-color: #f0b9b4; }
@media print { details { display: block; } body { margin: 0; } }
`;

function text(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') return escapeHtml(formatNumber(value));
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return escapeHtml(JSON.stringify(value));
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const digits = Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 1 ? 2 : 4;
  return String(Number(value.toFixed(digits)));
}

function json(value: unknown): string {
  return `<code>${escapeHtml(JSON.stringify(value ?? null))}</code>`;
}

function mono(value: string | null | undefined, length?: number): string {
  if (value === null || value === undefined) return '—';
  const shown = length !== undefined && value.length > length ? `${value.slice(0, length)}…` : value;
  return `<span class="mono" title="${escapeHtml(value)}">${escapeHtml(shown)}</span>`;
}

function pill(status: string): string {
  const kind = ['promoted', 'passed', 'succeeded', 'root'].includes(status)
    ? ' good'
    : ['rejected', 'failed', 'interrupted'].includes(status)
      ? ' fail'
      : '';
  return `<span class="pill${kind}">${escapeHtml(status)}</span>`;
}

function passMark(passed: unknown): string {
  if (passed === true) return '<span class="ok">✓ passed</span>';
  if (passed === false) return '<span class="bad">✗ failed</span>';
  return '—';
}

function table(headers: readonly string[], rows: readonly string[][], className?: string): string {
  const head = `<thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const body =
    rows.length === 0
      ? `<tbody><tr><td colspan="${headers.length}">none</td></tr></tbody>`
      : `<tbody>${rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody>`;
  return `<div class="table-wrap"><table${className ? ` class="${className}"` : ''}>${head}${body}</table></div>`;
}

function summaryTable(rows: readonly [string, string][]): string {
  return `<div class="table-wrap"><table class="summary"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table></div>`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lineage(report: ComplianceReport): string {
  const rows: { role: string; version: VersionRecord }[] = [];
  if (report.parentVersion) rows.push({ role: 'parent (what the request forgot from)', version: report.parentVersion });
  if (report.version) rows.push({ role: "this request's version", version: report.version });
  const production = report.productionVersion;
  const seen = rows.find((r) => r.version.id === production.id);
  if (seen) seen.role += ' · production';
  else rows.push({ role: 'production now', version: production });
  const body = rows
    .map(({ role, version }) => {
      const current = version.id === report.version?.id ? ' class="current"' : '';
      return (
        `<tr${current}><td>${escapeHtml(role)}</td><td>${mono(version.id)}</td><td>${pill(version.status)}</td><td>${mono(version.parentId)}</td>` +
        `<td>${mono(version.digest, 16)}</td><td>${text(version.method)}</td><td class="payload">${version.params === null ? '—' : json(version.params)}</td>` +
        `<td class="num">${text(version.forgottenCount)}</td><td>${mono(version.forgottenDigest, 16)}</td><td>${text(version.createdAt)}</td></tr>`
      );
    })
    .join('');
  const headers = [
    'role',
    'version',
    'status',
    'parent',
    'digest',
    'method',
    'params',
    'forgotten',
    'forgotten ids digest',
    'created',
  ];
  const chain = rows.map((r) => escapeHtml(r.version.id)).join(' → ');
  return (
    `<p class="note">Lineage: ${chain}</p>` +
    `<div class="table-wrap"><table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></div>`
  );
}

function evaluationReport(record: ReportRecord): string {
  const body = record.body;
  const parts: string[] = [];
  parts.push(`<h3>Evaluation ${mono(record.id)} — ${passMark(body.passed)}</h3>`);
  parts.push(
    `<p class="meta">job ${mono(record.jobId)} · version ${mono(record.versionId)} · method ${text(body.method)} · ${text(record.createdAt)}</p>`,
  );
  const gates = Array.isArray(body.gates) ? body.gates.filter(isRecord) : [];
  parts.push(
    table(
      ['gate', 'value', 'threshold', 'result', 'description'],
      gates.map((g) => [
        text(g.name),
        `<span class="num">${text(g.value)}</span>`,
        `<span class="num">${text(g.threshold)}</span>`,
        passMark(g.passed),
        text(g.description),
      ]),
      'gates',
    ),
  );
  if (isRecord(body.metrics)) {
    parts.push(
      table(
        ['metric', 'value'],
        Object.entries(body.metrics).map(([k, v]) => [escapeHtml(k), text(v)]),
        'metrics',
      ),
    );
  }
  if (isRecord(body.audit)) {
    parts.push('<p class="note">Audit against a gold (retrained) model:</p>');
    parts.push(
      table(
        ['audit', 'value'],
        Object.entries(body.audit).map(([k, v]) => [escapeHtml(k), text(v)]),
        'audit',
      ),
    );
  }
  if (isRecord(body.seconds)) {
    parts.push(
      `<p class="meta">seconds: ${Object.entries(body.seconds)
        .map(([k, v]) => `${escapeHtml(k)} ${text(v)}`)
        .join(' · ')}</p>`,
    );
  }
  if (body.params !== undefined) parts.push(`<p class="meta">params: ${json(body.params)}</p>`);
  return parts.join('\n');
}

function pilotReport(record: ReportRecord): string {
  const body = record.body;
  return (
    `<h3>Pilot ${mono(record.id)} — ${passMark(body.passed)}</h3>` +
    `<p class="meta">job ${mono(record.jobId)} · version ${mono(record.versionId)} · ${text(record.createdAt)}</p>` +
    summaryTable([
      ['seen / target', `${text(body.seen)} / ${text(body.target)}`],
      ['disagreements', text(body.disagreements)],
      ['disagreement rate', text(body.disagreementRate)],
      ['threshold', text(body.threshold)],
    ])
  );
}

/** Renders the compliance report of a deletion request as one self-contained HTML page. */
export function renderComplianceHtml(report: ComplianceReport): string {
  const { request, model, verification } = report;
  const sections: string[] = [];

  sections.push(`<h1>Deletion request ${escapeHtml(request.id)}</h1>`);
  sections.push(
    `<p class="meta">Compliance report (${escapeHtml(report.format)}) generated ${escapeHtml(report.generatedAt)}</p>`,
  );

  sections.push('<h2>Summary</h2>');
  sections.push(
    summaryTable([
      [
        'model',
        `${mono(model.id)} <span class="meta">(${text(model.dataset)}, ${text(model.memberCount)} members, digest ${mono(model.digest, 16)})</span>`,
      ],
      ['requester token', mono(request.tokenId)],
      ['reason', text(request.reason)],
      ['status', `${pill(request.status)}${request.statusReason ? ` ${text(request.statusReason)}` : ''}`],
      ['created', text(request.createdAt)],
      ['updated', text(request.updatedAt)],
      ['sample ids', `${text(request.idsCount)} (digest ${mono(request.idsDigest)})`],
      ['idempotency key', text(request.idempotencyKey)],
      ['in production', report.inProduction ? '<span class="ok">yes</span>' : '<span class="bad">no</span>'],
      [
        'production version',
        `${mono(report.productionVersion.id)} (digest ${mono(report.productionVersion.digest, 16)})`,
      ],
    ]),
  );

  sections.push('<h2>Forgotten sample ids</h2>');
  sections.push(
    `<details><summary>${text(request.ids.length)} sample ids (SHA-256 of the sorted list: ${mono(request.idsDigest)})</summary><ul>${request.ids.map((id) => `<li>${escapeHtml(id)}</li>`).join('')}</ul></details>`,
  );

  sections.push('<h2>Jobs</h2>');
  sections.push(
    table(
      ['job', 'status', 'method', 'params', 'parent version', 'version', 'started', 'finished', 'requests', 'error'],
      report.jobs.map((job) => [
        mono(job.id),
        pill(job.status),
        text(job.method),
        `<span class="payload">${json(job.params)}</span>`,
        mono(job.parentVersion),
        mono(job.versionId),
        text(job.startedAt),
        text(job.finishedAt),
        text(job.requestIds.length),
        text(job.error),
      ]),
      'jobs',
    ),
  );

  sections.push('<h2>Version lineage</h2>');
  sections.push(lineage(report));

  sections.push('<h2>Evidence</h2>');
  const evaluations = report.reports.filter((r) => r.kind === 'evaluate');
  const pilots = report.reports.filter((r) => r.kind === 'pilot');
  if (evaluations.length === 0) sections.push('<p class="note">No evaluation report yet.</p>');
  for (const record of evaluations) sections.push(evaluationReport(record));
  for (const record of pilots) sections.push(pilotReport(record));
  if (report.pilot) {
    sections.push(
      `<p class="meta">Pilot of ${mono(report.pilot.versionId)}: ${pill(report.pilot.status)} ${text(report.pilot.seen)} / ${text(report.pilot.target)} predictions compared, ${text(report.pilot.disagreements)} disagreements</p>`,
    );
  } else if (pilots.length === 0) {
    sections.push('<p class="note">No pilot.</p>');
  }

  sections.push('<h2>Ledger events</h2>');
  sections.push(
    table(
      ['seq', 'at', 'type', 'actor', 'subject', 'payload', 'hash'],
      report.events.map((event) => [
        `<span class="num">${text(event.seq)}</span>`,
        text(event.at),
        text(event.type),
        mono(event.actor),
        mono(event.subject),
        `<span class="payload">${json(event.payload)}</span>`,
        mono(event.hash, 12),
      ]),
      'events',
    ),
  );

  sections.push('<h2>Ledger verification</h2>');
  if (verification.ok) {
    sections.push(
      `<div class="verify ok"><span class="ok">✓ The ledger verifies</span>: ${text(verification.events)} events chained, state rows checked (${Object.entries(
        verification.checked,
      )
        .map(([k, v]) => `${escapeHtml(k)} ${text(v)}`)
        .join(', ')}); head hash ${mono(verification.head)}.</div>`,
    );
  } else {
    const bad = verification.firstBad;
    sections.push(
      `<div class="verify bad"><span class="bad">✗ The ledger does not verify</span>: ${text(verification.problems.length)} problem${verification.problems.length === 1 ? '' : 's'}, the first ${bad ? `${text(bad.table)} row ${mono(bad.row)}: ${text(bad.problem)}` : 'unknown'} (${text(verification.events)} events checked; <code>tmu ledger verify</code> lists them all).</div>`,
    );
  }

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Compliance report: deletion request ${escapeHtml(request.id)}</title>
<style>${STYLE}</style>
</head>
<body>
${sections.join('\n')}
</body>
</html>
`;
}
