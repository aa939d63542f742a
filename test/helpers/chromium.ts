/**
 * Headless Chromium for the browser tests: Debian's `chromium` (installed by `scripts/setup.sh --test`)
 * driven by playwright-core, with the flags that keep it off the network and quiet.
 *
 * @module
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { type BrowserContext, chromium } from 'playwright-core';

/** Where Debian installs chromium. */
export const CHROMIUM = '/usr/bin/chromium';

function aptAvailable(): boolean {
  return spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The `skip` option of a browser test: a reason only where chromium is missing and cannot be installed
 * (no apt). Where apt exists, a missing chromium is a failure, not a skip.
 */
export const chromiumSkip: string | false =
  !existsSync(CHROMIUM) && !aptAvailable()
    ? `${CHROMIUM} is missing and apt-get is unavailable here, so chromium cannot be installed`
    : false;

/** Fails with how to install chromium when it is missing. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install it with scripts/setup.sh --test (apt-get install --no-install-recommends chromium)`,
    );
}

/** Launches headless Chromium with a fresh profile under `dir`. */
export async function launchChromium(
  dir: string,
  viewport: { width: number; height: number },
): Promise<BrowserContext> {
  requireChromium();
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport,
  });
}
