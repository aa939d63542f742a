/**
 * The dashboard in a real browser: headless Chromium (Debian's `chromium`, which `npm test` installs
 * through scripts/setup.sh --test) driven by playwright-core opens the running service's dashboard with an
 * auditor token in the URL fragment. Models, requests and the ledger must render, a click on a request
 * must draw its evaluation charts, with no console error, no page error and no request off the service.
 * A requester token is told that verification needs another role; a bad token gets the sign-in form back.
 *
 * Without /usr/bin/chromium the test fails, telling how to install it, except where apt itself is
 * unavailable (not a Debian-like machine): there it skips, saying so. It never installs anything.
 * Set TMU_DASHBOARD_SCREENSHOT=/path.png to keep a full-page screenshot.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import type { BrowserContext, Page } from 'playwright-core';
import { chromiumSkip, launchChromium, requireChromium } from '../helpers/chromium.js';
import { fileAndWait, startTestService } from './support.js';

const skip = chromiumSkip;

/** A new tab that records console errors and warnings, page errors and every URL it requests. */
async function watchedPage(browser: BrowserContext): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  return { page, problems, requests };
}

test(
  "the dashboard shows models, requests, a request's evaluation charts and the ledger's verification in headless Chromium with no errors",
  { skip, timeout: 300_000 },
  async () => {
    requireChromium();
    const service = await startTestService();
    after(() => service.stop());
    const filed = await fileAndWait(service, 12, ['evaluated', 'piloting', 'promoted', 'rejected'], 240_000);

    const dir = mkdtempSync(join(tmpdir(), 'tmu-dashboard-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const browser = await launchChromium(dir, { width: 1400, height: 1000 });
    try {
      // 1. An auditor sees everything.
      const { page, problems, requests } = await watchedPage(browser);
      await page.goto(`${service.url}/#token=${service.tokens.auditor}`, { waitUntil: 'load' });
      for (const section of ['models', 'requests', 'ledger']) {
        await page.waitForSelector(`#${section}[data-state="ready"]`, { timeout: 20_000 });
      }
      assert.ok(!page.url().includes(service.tokens.auditor), 'the token is removed from the address bar');
      assert.equal(
        await page.evaluate(() => sessionStorage.getItem('tmu.dashboard.token')),
        service.tokens.auditor,
        'the token is kept in session storage',
      );
      assert.ok(await page.locator('#signin').isHidden(), 'no sign-in form with a valid token');

      assert.ok(
        (await page.locator(`#models [data-model="${service.modelId}"]`).count()) === 1,
        'the test model is listed',
      );
      assert.ok((await page.locator('#models tr.production').count()) >= 1, 'the production version is highlighted');
      const prepared = page.locator(`#models [data-model="${service.modelId}"] [data-preparation="ready"]`);
      assert.equal(await prepared.count(), 1, "the model's preparation (TMU's twin) is shown as ready");
      assert.match(await prepared.innerText(), /Preparation for tmu ready in \d+\.\d s/);
      const ledgerText = await page.locator('#ledger').innerText();
      assert.match(ledgerText, /Ledger verifies/, `the ledger verifies (${ledgerText})`);

      const row = page.locator(`#requests tr[data-id="${filed.id}"]`);
      await row.waitFor({ timeout: 10_000 });
      await row.click();
      await page.waitForFunction(() => document.querySelectorAll('#request-detail svg.chart').length >= 3, undefined, {
        timeout: 20_000,
      });
      assert.ok(await row.evaluate((el) => el.classList.contains('selected')), 'the clicked row is selected');
      const charts = page.locator('#request-detail svg.chart');
      for (let i = 0; i < (await charts.count()); i++) {
        const chart = charts.nth(i);
        const box = await chart.boundingBox();
        assert.ok(box && box.width > 100 && box.height > 100, `chart ${i} has no size (${JSON.stringify(box)})`);
        assert.ok((await chart.locator('rect.bar').count()) > 0, `chart ${i} draws no bars`);
      }
      for (const name of ['test-accuracy', 'forget-accuracy', 'mia']) {
        assert.equal(await page.locator(`#request-detail svg.chart[data-chart="${name}"]`).count(), 1, `chart ${name}`);
      }
      assert.ok(
        (await page.locator('#request-detail table.gates tr[data-gate]').count()) > 0,
        'the gates table lists the gates',
      );
      assert.match(await page.locator('#request-detail').innerText(), new RegExp(filed.id));

      // One auto-refresh later the page is still whole and the selection kept.
      await page.waitForTimeout(3_500);
      assert.ok((await page.locator('#request-detail svg.chart').count()) >= 3, 'the charts survive a refresh');
      assert.ok(
        (await page.locator(`#requests tr.selected[data-id="${filed.id}"]`).count()) === 1,
        'the selection survives a refresh',
      );

      const screenshot = process.env.TMU_DASHBOARD_SCREENSHOT;
      if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
      assert.deepEqual(problems, []);
      const origin = new URL(service.url).origin;
      assert.deepEqual(
        requests.filter((url) => !url.startsWith(`${origin}/`)),
        [],
        'the dashboard fetches nothing off the service',
      );
      await page.close();

      // 2. A requester is told that verification needs another role.
      const requester = await watchedPage(browser);
      await requester.page.goto(`${service.url}/#token=${service.tokens.requester}`, { waitUntil: 'load' });
      await requester.page.waitForFunction(
        () =>
          (document.querySelector('#ledger')?.textContent ?? '').includes(
            'verification needs an operator or auditor token',
          ),
        undefined,
        { timeout: 20_000 },
      );
      assert.deepEqual(
        requester.problems.filter((p) => !/Failed to load resource: the server responded with a status of 403/.test(p)),
        [],
      );
      await requester.page.close();

      // 3. A token the service does not know brings the sign-in form back with the server's message.
      const stranger = await watchedPage(browser);
      await stranger.page.goto(`${service.url}/#token=tmu_not-a-real-token`, { waitUntil: 'load' });
      await stranger.page.waitForSelector('#signin:not([hidden])', { timeout: 20_000 });
      assert.ok(
        (await stranger.page.locator('#signin-message').innerText()).trim().length > 0,
        'the sign-in form says why',
      );
      assert.ok(await stranger.page.locator('#app').isHidden(), 'nothing is shown without a valid token');
      assert.equal(
        await stranger.page.evaluate(() => sessionStorage.getItem('tmu.dashboard.token')),
        null,
        'a rejected token is forgotten',
      );
      assert.deepEqual(
        stranger.problems.filter((p) => !/Failed to load resource: the server responded with a status of 401/.test(p)),
        [],
      );
      await stranger.page.close();
    } finally {
      await browser.close();
    }
  },
);
