/**
 * The HTML report in a real browser: headless Chromium (Debian's `chromium`, which `npm test` installs
 * through scripts/setup.sh --test) driven by playwright-core opens a sample report.html from disk and
 * every chart must be drawn, with no console error, no page error and no request beyond the file.
 *
 * Without /usr/bin/chromium the test fails, telling how to install it, except where apt itself is
 * unavailable (not a Debian-like machine): there it skips, saying so. It never installs anything.
 * Set TMU_REPORT_SCREENSHOT=/path.png to keep a full-page screenshot.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { renderHtml } from '../../src/eval/html.js';
import { chromiumSkip, launchChromium, requireChromium } from '../helpers/chromium.js';
import { sampleReport } from './sample.js';

const CHARTS = ['gaps', 'cost', 'roc', 'predictor-scatter-predictor', 'predictor-scatter-gold'] as const;

const skip = chromiumSkip;

test(
  'report.html renders every chart as a non-empty SVG in headless Chromium with no console errors, page errors or network requests',
  { skip, timeout: 60_000 },
  async () => {
    requireChromium();
    const dir = mkdtempSync(join(tmpdir(), 'tmu-report-html-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(sampleReport()));
    const browser = await launchChromium(dir, { width: 1280, height: 900 });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning')
          problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('request', (request) => requests.push(request.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });
      for (const chart of CHARTS) {
        const svg = page.locator(`svg[data-chart="${chart}"]`);
        assert.ok((await svg.count()) >= 1, `chart ${chart} is missing`);
        const box = await svg.first().boundingBox();
        assert.ok(box && box.width > 100 && box.height > 100, `chart ${chart} has no size (${JSON.stringify(box)})`);
        const marks = await svg.first().locator('rect.bar, circle, path.curve').count();
        assert.ok(marks > 0, `chart ${chart} draws no data marks`);
      }
      assert.equal(await page.locator('script').count(), 0, 'the report has no scripts');
      assert.equal(await page.locator('table').count(), 2);
      const screenshot = process.env.TMU_REPORT_SCREENSHOT;
      if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
      assert.deepEqual(problems, []);
      assert.deepEqual(
        requests.filter((r) => r !== url),
        [],
        'the report fetches nothing but itself',
      );
    } finally {
      await browser.close();
    }
  },
);
