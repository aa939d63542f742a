// tmu dashboard: models, deletion requests, a request's evaluation (charts drawn here as inline SVG) and
// the ledger's verification, refreshed every 3 s. Plain browser JavaScript (ES2020), no build step, no
// external resources. Every value from the API is put into the page as text (textContent), never as HTML.
//
// Auth: the API token comes from the URL fragment `#token=...` (moved to sessionStorage and removed from
// the address bar) or from the sign-in form; a 401 brings the form back with the server's message.
(() => {
  const TOKEN_KEY = 'tmu.dashboard.token';
  const REFRESH_MS = 3000;
  const STAGES = ['queued', 'running', 'evaluated', 'piloting', 'promoted'];
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const state = {
    token: null,
    selected: null,
    timer: null,
    inFlight: null,
    again: false,
    verifyForbidden: false,
    /** The JSON last rendered per section: unchanged data is not re-rendered (open <details> stay open). */
    rendered: {},
  };

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.name = 'ApiError';
      this.status = status;
      this.code = code;
      this.details = details;
    }
  }

  // ---------------------------------------------------------------- DOM helpers

  function setAttributes(el, attrs) {
    if (!attrs) return;
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }

  function appendChildren(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
  }

  /** An HTML element; string children become text nodes. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttributes(el, attrs);
    appendChildren(el, children);
    return el;
  }

  /** An SVG element. */
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    setAttributes(el, attrs);
    appendChildren(el, children);
    return el;
  }

  const $ = (selector) => document.querySelector(selector);

  // ---------------------------------------------------------------- formatting

  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

  function fmt(v, digits) {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (typeof v !== 'number') return typeof v === 'string' ? v : JSON.stringify(v);
    if (!Number.isFinite(v)) return String(v);
    if (digits !== undefined) return v.toFixed(digits);
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return String(Number(v.toFixed(a >= 100 ? 1 : a >= 1 ? 2 : 4)));
  }

  function time(iso, compact) {
    if (typeof iso !== 'string') return '—';
    const text = iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return h('span', { class: 'time', title: iso }, compact ? text.slice(5, 16) : text);
  }

  function short(value, length = 12) {
    if (value === null || value === undefined || value === '') return '—';
    const text = String(value);
    return h('span', { class: 'mono', title: text }, text.length > length ? `${text.slice(0, length)}…` : text);
  }

  function pill(status) {
    return h('span', { class: `pill ${String(status).replace(/[^\w-]/g, '')}` }, String(status));
  }

  /** A request's status: a pill plus its position on the queued → promoted track (red pill when it stopped). */
  function stagePill(status) {
    const index = STAGES.indexOf(status);
    if (index < 0) return pill(status);
    const track = h(
      'span',
      { class: 'stages', title: STAGES.join(' → '), 'aria-hidden': 'true' },
      STAGES.map((_, i) =>
        h('i', { class: i < index ? 'done' : i === index ? (index === STAGES.length - 1 ? 'final' : 'done') : null }),
      ),
    );
    return h('span', { class: 'stage' }, pill(status), track);
  }

  function table(headers, rows, options = {}) {
    const numeric = options.numeric || [];
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: options.class },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            headers.map((header, i) => h('th', { class: numeric.includes(i) ? 'num' : null, scope: 'col' }, header)),
          ),
        ),
        h(
          'tbody',
          null,
          rows.length === 0
            ? h('tr', null, h('td', { colspan: headers.length, class: 'muted' }, options.empty || 'none'))
            : rows,
        ),
      ),
    );
  }

  function cells(values, numeric = []) {
    return values.map((value, i) =>
      h('td', { class: numeric.includes(i) ? 'num' : null }, value instanceof Node ? value : fmt(value)),
    );
  }

  function facts(pairs) {
    return h(
      'dl',
      { class: 'facts' },
      pairs
        .filter(Boolean)
        .map(([key, value]) => [h('dt', null, key), h('dd', null, value instanceof Node ? value : fmt(value))]),
    );
  }

  function progress(seen, target, status) {
    const pct = isNum(seen) && isNum(target) && target > 0 ? Math.min(100, (100 * seen) / target) : 0;
    const fill = h('div', { class: 'fill' });
    fill.style.width = `${pct.toFixed(1)}%`;
    return h(
      'div',
      {
        class: `progress ${status || ''}`,
        role: 'progressbar',
        'aria-valuemin': 0,
        'aria-valuemax': isNum(target) ? target : 0,
        'aria-valuenow': isNum(seen) ? seen : 0,
        title: `${fmt(seen)} / ${fmt(target)}`,
      },
      fill,
    );
  }

  function pilotLine(pilot) {
    const rate = isNum(pilot.seen) && pilot.seen > 0 ? ` (${fmt((100 * pilot.disagreements) / pilot.seen, 1)}%)` : '';
    return h(
      'div',
      { class: 'pilot' },
      h(
        'p',
        null,
        'Pilot of ',
        short(pilot.versionId, 16),
        ' ',
        pill(pilot.status),
        ` ${fmt(pilot.seen)} / ${fmt(pilot.target)} predictions compared from ${fmt(pilot.clients)} client token${pilot.clients === 1 ? '' : 's'}, ${fmt(pilot.disagreements)} disagreements${rate}`,
      ),
      progress(pilot.seen, pilot.target, pilot.status),
    );
  }

  // ---------------------------------------------------------------- charts

  /** A round tick step (1, 2 or 5 times a power of ten; at least 1 for counts) and the axis top above `max`. */
  function niceAxis(max, integer) {
    const target = Math.max(max, integer ? 1 : 1e-9) * 1.1;
    const raw = target / 4;
    const p = 10 ** Math.floor(Math.log10(raw));
    let step = 10 * p;
    for (const m of [1, 2, 5])
      if (m * p >= raw) {
        step = m * p;
        break;
      }
    if (integer) step = Math.max(1, Math.round(step));
    return { top: Math.ceil(target / step) * step, step };
  }

  /**
   * A bar chart as an SVG element of class `chart`. bars: [{ label, value, cls }]; max: the axis top
   * (default: a round number above the largest value); reference: { value, label } drawn as a dashed line.
   */
  function barChart({ name, title, bars, max, unit = '', reference = null }) {
    const W = 270;
    const H = 200;
    const m = { top: 30, right: 14, bottom: 34, left: 42 };
    const iw = W - m.left - m.right;
    const ih = H - m.top - m.bottom;
    const values = bars.map((b) => b.value).filter(isNum);
    if (reference && isNum(reference.value)) values.push(reference.value);
    const axis = isNum(max)
      ? { top: max, step: max / 4 }
      : niceAxis(Math.max(0, ...values), values.every(Number.isInteger));
    const top = axis.top;
    const y = (v) => m.top + ih - (Math.max(0, Math.min(v, top)) / top) * ih;
    const svg = s('svg', {
      class: 'chart',
      'data-chart': name,
      viewBox: `0 0 ${W} ${H}`,
      width: W,
      height: H,
      role: 'img',
      'aria-label': title,
    });
    svg.append(s('title', null, title));
    svg.append(s('text', { class: 'title', x: m.left - 30, y: 17 }, title));
    for (let i = 0; i * axis.step <= top + 1e-9; i++) {
      const v = i * axis.step;
      const yy = y(v);
      svg.append(s('line', { class: 'grid', x1: m.left, x2: m.left + iw, y1: yy, y2: yy }));
      svg.append(
        s(
          'text',
          { class: 'tick', x: m.left - 5, y: yy + 3, 'text-anchor': 'end' },
          `${fmt(Number(v.toFixed(2)))}${unit}`,
        ),
      );
    }
    const band = iw / bars.length;
    const bw = Math.min(56, band * 0.6);
    bars.forEach((bar, i) => {
      const x = m.left + i * band + (band - bw) / 2;
      const cx = x + bw / 2;
      if (isNum(bar.value)) {
        const yy = y(bar.value);
        svg.append(
          s(
            'rect',
            { class: `bar ${bar.cls || ''}`, x, y: yy, width: bw, height: Math.max(0, m.top + ih - yy) },
            s('title', null, `${bar.label}: ${fmt(bar.value)}${unit}`),
          ),
        );
        svg.append(
          s(
            'text',
            { class: 'value', x: cx, y: yy - 4, 'text-anchor': 'middle' },
            `${fmt(bar.value, Number.isInteger(bar.value) ? 0 : 1)}${unit}`,
          ),
        );
      } else {
        svg.append(s('text', { class: 'tick', x: cx, y: m.top + ih - 4, 'text-anchor': 'middle' }, 'n/a'));
      }
      svg.append(s('text', { class: 'label', x: cx, y: m.top + ih + 15, 'text-anchor': 'middle' }, bar.label));
    });
    if (reference && isNum(reference.value)) {
      const yy = y(reference.value);
      svg.append(
        s(
          'line',
          { class: 'refline', x1: m.left, x2: m.left + iw, y1: yy, y2: yy },
          s('title', null, `${reference.label}: ${fmt(reference.value)}${unit}`),
        ),
      );
    }
    svg.append(s('line', { class: 'axis', x1: m.left, x2: m.left + iw, y1: m.top + ih, y2: m.top + ih }));
    svg.append(s('line', { class: 'axis', x1: m.left, x2: m.left, y1: m.top, y2: m.top + ih }));
    return svg;
  }

  function evaluationCharts(metrics) {
    const charts = [];
    const pair = (a, b) => isNum(a) || isNum(b);
    if (pair(metrics.parentTestAcc, metrics.candidateTestAcc)) {
      charts.push(
        barChart({
          name: 'test-accuracy',
          title: 'Test accuracy (%)',
          max: 100,
          unit: '',
          bars: [
            { label: 'parent', value: metrics.parentTestAcc, cls: 'parent' },
            { label: 'candidate', value: metrics.candidateTestAcc, cls: 'candidate' },
          ],
        }),
      );
    }
    if (pair(metrics.parentForgetAcc, metrics.candidateForgetAcc)) {
      charts.push(
        barChart({
          name: 'forget-accuracy',
          title: 'Forget-set accuracy (%)',
          max: 100,
          bars: [
            { label: 'parent', value: metrics.parentForgetAcc, cls: 'parent' },
            { label: 'candidate', value: metrics.candidateForgetAcc, cls: 'candidate' },
          ],
        }),
      );
    }
    if (pair(metrics.miaEfficacy, metrics.miaReference)) {
      charts.push(
        barChart({
          name: 'mia',
          title: 'MIA efficacy (%) vs reference',
          max: 100,
          bars: [
            { label: 'candidate', value: metrics.miaEfficacy, cls: 'candidate' },
            { label: 'reference', value: metrics.miaReference, cls: 'reference' },
          ],
          reference: { value: metrics.miaReference, label: 'reference' },
        }),
      );
    }
    if (isNum(metrics.easy) || isNum(metrics.hard)) {
      charts.push(
        barChart({
          name: 'easy-hard',
          title: 'TMU split of the forget set',
          bars: [
            { label: 'easy', value: metrics.easy, cls: 'easy' },
            { label: 'hard', value: metrics.hard, cls: 'hard' },
          ],
        }),
      );
    }
    return charts;
  }

  // ---------------------------------------------------------------- sections

  function preparationLine(preparation) {
    if (!preparation || preparation.status === 'not-needed' || preparation.status === 'disabled') return null;
    let detail = '';
    if (preparation.status === 'ready')
      detail = ` in ${fmt(preparation.seconds, 1)} s${preparation.reused ? ' (found cached)' : ''}`;
    else if (preparation.status === 'running' && preparation.progress && preparation.progress.task)
      detail = `: ${preparation.progress.task}`;
    else if (preparation.status === 'failed') detail = `: ${preparation.error}`;
    return h(
      'p',
      { class: 'meta', 'data-preparation': preparation.status },
      `Preparation for ${fmt(preparation.method)} `,
      pill(preparation.status),
      detail,
    );
  }

  function renderModels(data) {
    const models = data?.models || [];
    if (models.length === 0) return h('p', { class: 'muted' }, 'No models registered.');
    return models.map((model) => {
      const versions = model.versions || [];
      const rows = versions.map((v) => {
        const production = v.id === model.productionVersion;
        const idCell = h('td', null, short(v.id, 20), production ? h('span', { class: 'badge' }, 'production') : null);
        return h(
          'tr',
          { class: production ? 'production' : null, 'data-version': v.id },
          idCell,
          h('td', null, pill(v.status)),
          h('td', null, short(v.parentId, 16)),
          h('td', null, fmt(v.method)),
          h('td', { class: 'num' }, fmt(v.forgottenCount)),
          h('td', null, short(v.digest, 12)),
          h('td', null, time(v.createdAt)),
        );
      });
      return h(
        'div',
        { class: 'card', 'data-model': model.id },
        h('h3', null, model.id),
        h(
          'p',
          { class: 'meta' },
          `${fmt(model.dataset)} · ${fmt(model.memberCount)} members · digest `,
          short(model.digest, 12),
          ' · production ',
          short(model.productionVersion, 20),
          ' · registered ',
          time(model.createdAt),
        ),
        preparationLine(model.preparation),
        model.pilot ? pilotLine(model.pilot) : null,
        table(['version', 'status', 'parent', 'method', 'forgotten', 'digest', 'created'], rows, {
          numeric: [4],
          empty: 'no versions',
        }),
      );
    });
  }

  function renderRequests(data) {
    const requests = data?.requests || [];
    if (requests.length === 0) return h('p', { class: 'muted' }, 'No deletion requests yet.');
    const rows = requests.map((r) =>
      h(
        'tr',
        {
          class: r.id === state.selected ? 'selected' : null,
          tabindex: 0,
          'data-id': r.id,
          'aria-selected': r.id === state.selected ? 'true' : 'false',
          onclick: () => select(r.id),
          onkeydown: (event) => {
            if (event.key === 'Enter' || event.key === ' ') {
              event.preventDefault();
              select(r.id);
            }
          },
        },
        h('td', null, short(r.id, 16)),
        h('td', null, fmt(r.modelId)),
        h('td', null, stagePill(r.status)),
        h('td', null, fmt(r.statusReason)),
        h('td', { class: 'num' }, fmt(r.idsCount)),
        h('td', null, time(r.createdAt, true)),
      ),
    );
    return [
      h('p', { class: 'meta' }, `${requests.length} most recent; click a row for its evaluation.`),
      table(['request', 'model', 'status', 'reason', 'ids', 'created'], rows, { numeric: [4], class: 'requests' }),
    ];
  }

  function renderEvaluation(report) {
    const body = report.body || {};
    const metrics = body.metrics || {};
    const gates = Array.isArray(body.gates) ? body.gates : [];
    const parts = [
      h(
        'h4',
        null,
        'Evaluation ',
        body.passed === true
          ? h('span', { class: 'ok' }, '✓ passed')
          : body.passed === false
            ? h('span', { class: 'bad' }, '✗ failed')
            : '',
        h('span', { class: 'meta' }, ` · method ${fmt(body.method)} · `, time(report.createdAt)),
      ),
    ];
    const charts = evaluationCharts(metrics);
    parts.push(
      charts.length
        ? h('div', { class: 'charts' }, charts)
        : h('p', { class: 'muted' }, 'The report has no metrics to plot.'),
    );
    parts.push(
      table(
        ['gate', 'value', 'threshold', 'result', 'description'],
        gates.map((g) =>
          h(
            'tr',
            { 'data-gate': g.name },
            cells(
              [
                g.name,
                g.value,
                g.threshold,
                g.passed ? h('span', { class: 'ok' }, '✓ passed') : h('span', { class: 'bad' }, '✗ failed'),
                g.description,
              ],
              [1, 2],
            ),
          ),
        ),
        { numeric: [1, 2], class: 'gates', empty: 'no gates' },
      ),
    );
    const facts2 = [];
    for (const key of ['testAccDrop', 'forgetCount', 'newIds']) if (key in metrics) facts2.push([key, metrics[key]]);
    if (body.seconds && typeof body.seconds === 'object') {
      facts2.push([
        'seconds',
        Object.entries(body.seconds)
          .map(([k, v]) => `${k} ${fmt(v)}`)
          .join(' · '),
      ]);
    }
    if (body.params !== undefined) facts2.push(['params', h('span', { class: 'mono' }, JSON.stringify(body.params))]);
    if (facts2.length) parts.push(facts(facts2));
    if (body.audit && typeof body.audit === 'object') {
      const a = body.audit;
      parts.push(
        h(
          'div',
          { class: 'audit' },
          h('h4', null, 'Audit against a retrained (gold) model'),
          facts([
            ['gold test accuracy', `${fmt(a.goldTestAcc)}%`],
            ['gold forget accuracy', `${fmt(a.goldForgetAcc)}%`],
            ['forget gap', fmt(a.forgetGap)],
            ['agreement with gold', `${fmt(a.agreement)}%`],
            ['seconds', fmt(a.seconds)],
          ]),
        ),
      );
    }
    return parts;
  }

  function renderDetail(data) {
    const request = data.request;
    const reports = data.reports || [];
    const evaluations = reports.filter((r) => r.kind === 'evaluate');
    const pilots = reports.filter((r) => r.kind === 'pilot');
    const parts = [
      h('h3', null, 'Request ', short(request.id, 40), ' ', stagePill(request.status)),
      facts([
        ['model', request.modelId],
        ['requester token', short(request.tokenId, 40)],
        ['reason', request.reason],
        ['status', h('span', null, pill(request.status), request.statusReason ? ` ${request.statusReason}` : '')],
        ['sample ids', h('span', null, `${fmt(request.idsCount)} · digest `, short(request.idsDigest, 16))],
        ['created', time(request.createdAt)],
        ['updated', time(request.updatedAt)],
        [
          'version',
          data.version
            ? h(
                'span',
                null,
                short(data.version.id, 24),
                ' ',
                pill(data.version.status),
                ' digest ',
                short(data.version.digest, 12),
              )
            : '—',
        ],
      ]),
      Array.isArray(request.ids)
        ? h(
            'details',
            null,
            h('summary', null, `${request.ids.length} sample ids`),
            h(
              'ul',
              null,
              request.ids.map((id) => h('li', null, id)),
            ),
          )
        : null,
    ];
    if (evaluations.length === 0) parts.push(h('p', { class: 'muted' }, 'No evaluation report yet.'));
    else parts.push(renderEvaluation(evaluations[evaluations.length - 1]));
    if (evaluations.length > 1)
      parts.push(
        h('p', { class: 'meta' }, `${evaluations.length} evaluation reports (a re-run job); the latest is shown.`),
      );
    const pilotReport = pilots.length ? pilots[pilots.length - 1].body || {} : null;
    if (data.pilot || pilotReport) {
      const p = data.pilot || {
        versionId: data.version ? data.version.id : null,
        status: pilotReport.passed ? 'passed' : 'failed',
        seen: pilotReport.seen,
        target: pilotReport.target,
        disagreements: pilotReport.disagreements,
      };
      parts.push(h('h4', null, 'Pilot'), pilotLine(p));
      if (pilotReport)
        parts.push(
          h(
            'p',
            { class: 'meta' },
            `verdict: ${pilotReport.passed ? 'passed' : 'failed'} · disagreement rate ${fmt(pilotReport.disagreementRate)} (threshold ${fmt(pilotReport.threshold)})`,
          ),
        );
    }
    const jobs = data.jobs || [];
    parts.push(
      h('h4', null, 'Jobs'),
      table(
        ['job', 'status', 'method', 'started', 'finished', 'error'],
        jobs.map((j) =>
          h(
            'tr',
            null,
            h('td', null, short(j.id, 16)),
            h('td', null, pill(j.status)),
            h('td', null, fmt(j.method)),
            h('td', null, time(j.startedAt, true)),
            h('td', null, time(j.finishedAt, true)),
            h('td', { class: j.error ? 'error' : null }, fmt(j.error)),
          ),
        ),
        { empty: 'not started yet' },
      ),
    );
    return parts;
  }

  function renderLedger(result) {
    if (result.ok) {
      return h(
        'div',
        { class: 'verify ok-box' },
        h('span', { class: 'ok' }, '✓ Ledger verifies'),
        `: ${fmt(result.events)} events chained, head hash `,
        short(result.head, 16),
        result.checked
          ? h(
              'span',
              { class: 'meta' },
              ` · rows checked: ${Object.entries(result.checked)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')}`,
            )
          : null,
      );
    }
    const bad = result.firstBad || {};
    return h(
      'div',
      { class: 'verify bad-box' },
      h('span', { class: 'bad' }, '✗ Ledger does not verify'),
      h('span', { class: 'bad' }, `: first bad row ${fmt(bad.table)} ${fmt(bad.row)}: ${fmt(bad.problem)}`),
      ` (${fmt(result.events)} events read)`,
    );
  }

  // ---------------------------------------------------------------- plumbing

  function sectionBody(id) {
    return document.querySelector(`#${id} .body`);
  }

  function show(id, data, render, extraKey = '') {
    const key = extraKey + JSON.stringify(data);
    const section = document.getElementById(id);
    if (state.rendered[id] === key && section.dataset.state === 'ready') return;
    state.rendered[id] = key;
    sectionBody(id).replaceChildren(...[render(data)].flat(Infinity).filter(Boolean));
    section.dataset.state = 'ready';
  }

  function showMessage(id, message, kind) {
    state.rendered[id] = null;
    sectionBody(id).replaceChildren(h('p', { class: kind === 'error' ? 'error' : 'muted' }, message));
    document.getElementById(id).dataset.state = kind || 'message';
  }

  function setStatus(text, error) {
    const el = $('#status');
    el.textContent = text;
    el.classList.toggle('error', Boolean(error));
  }

  async function api(path) {
    const response = await fetch(path, {
      headers: { Authorization: `Bearer ${state.token}`, Accept: 'application/json' },
      cache: 'no-store',
    });
    const text = await response.text();
    let body = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
    }
    if (!response.ok) {
      const error = body?.error ? body.error : {};
      throw new ApiError(
        response.status,
        error.code || `http_${response.status}`,
        error.message || `${response.status} ${response.statusText}`,
        error.details,
      );
    }
    return body;
  }

  async function load(id, path, render, extraKey, current = () => true) {
    try {
      const data = await api(path);
      if (current()) show(id, data, render, extraKey);
    } catch (error) {
      if (error instanceof ApiError) {
        if (error.status === 401) throw error;
        if (!current()) return;
        if (id === 'ledger' && error.status === 403) {
          state.verifyForbidden = true;
          showMessage('ledger', 'verification needs an operator or auditor token');
          return;
        }
        showMessage(id, `${error.message} (${error.code})`, 'error');
        return;
      }
      throw error;
    }
  }

  async function loadAll() {
    const tasks = [
      load('models', 'v1/models', renderModels),
      load('requests', 'v1/deletion-requests?limit=100', renderRequests, String(state.selected)),
    ];
    if (!state.verifyForbidden) tasks.push(load('ledger', 'v1/ledger/verify', renderLedger));
    if (state.selected) {
      const selected = state.selected;
      tasks.push(
        load(
          'request-detail',
          `v1/deletion-requests/${encodeURIComponent(selected)}`,
          renderDetail,
          '',
          () => state.selected === selected,
        ),
      );
    }
    const results = await Promise.allSettled(tasks);
    const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    const auth = failures.find((e) => e instanceof ApiError && e.status === 401);
    if (auth) {
      signOut(auth.message || 'the token was not accepted');
      return;
    }
    if (failures.length)
      setStatus(
        `cannot reach the service (${failures[0]?.message ? failures[0].message : failures[0]}); retrying`,
        true,
      );
    else setStatus(`updated ${new Date().toLocaleTimeString()}`, false);
  }

  /** Loads everything now; never overlaps itself (a call during a load runs once more after it). */
  async function refresh() {
    if (!state.token) return;
    if (state.inFlight) {
      state.again = true;
      return;
    }
    clearTimeout(state.timer);
    state.timer = null;
    state.inFlight = loadAll().catch((error) => setStatus(`error: ${error?.message ? error.message : error}`, true));
    try {
      await state.inFlight;
    } finally {
      state.inFlight = null;
    }
    if (!state.token) return;
    if (state.again) {
      state.again = false;
      refresh();
      return;
    }
    state.timer = setTimeout(refresh, REFRESH_MS);
  }

  function select(id) {
    if (state.selected === id) return;
    state.selected = id;
    for (const row of document.querySelectorAll('#requests tbody tr[data-id]')) {
      const on = row.getAttribute('data-id') === id;
      row.classList.toggle('selected', on);
      row.setAttribute('aria-selected', on ? 'true' : 'false');
    }
    state.rendered.requests = null;
    showMessage('request-detail', 'Loading…', 'loading');
    refresh();
  }

  function signIn(token) {
    state.token = token;
    state.verifyForbidden = false;
    state.rendered = {};
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      /* storage disabled: keep it in memory */
    }
    $('#signin').hidden = true;
    $('#app').hidden = false;
    $('#signout').hidden = false;
    setStatus('loading…', false);
    refresh();
  }

  function signOut(message) {
    state.token = null;
    state.selected = null;
    state.rendered = {};
    clearTimeout(state.timer);
    state.timer = null;
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      /* ignore */
    }
    $('#app').hidden = true;
    $('#signout').hidden = true;
    $('#signin').hidden = false;
    $('#signin-message').textContent = message || '';
    setStatus('signed out', false);
    for (const id of ['models', 'requests', 'ledger']) showMessage(id, 'Loading…', 'loading');
    showMessage('request-detail', 'Select a request to see its evaluation.', 'message');
    $('#token-input').value = '';
    $('#token-input').focus();
  }

  /** Takes `#token=...` from the address bar (and removes it, so it is not bookmarked or shared). */
  function tokenFromFragment() {
    if (!location.hash || location.hash.length < 2) return null;
    const params = new URLSearchParams(location.hash.slice(1));
    const token = params.get('token');
    if (token === null) return null;
    history.replaceState(null, '', location.pathname + location.search);
    return token.trim() || null;
  }

  function start() {
    $('#signin').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('#token-input').value.trim();
      if (token) signIn(token);
    });
    $('#signout').addEventListener('click', () => signOut(''));
    window.addEventListener('hashchange', () => {
      const token = tokenFromFragment();
      if (token) signIn(token);
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && state.token) refresh();
    });
    let token = tokenFromFragment();
    if (!token) {
      try {
        token = sessionStorage.getItem(TOKEN_KEY);
      } catch {
        token = null;
      }
    }
    if (token) signIn(token);
    else signOut('');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
