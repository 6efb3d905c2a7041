/**
 * Playwright's settings for the hub's specs (ui-tests/hub/), in Debian's
 * Chromium. tests/ui/test_hub_in_browser.py starts JupyterHub and passes
 * its address in HUB_URL. Plain Playwright: the pages are the hub's own and
 * each user's JupyterLab behind it, not a Galata-served JupyterLab.
 */
import { defineConfig } from '@playwright/test';

import { chromiumLaunch } from './chromium';

export default defineConfig({
  testDir: './hub',
  timeout: 300000,
  expect: { timeout: 60000 },
  retries: 0,
  workers: 1,
  reporter: [['list']],
  outputDir: process.env.NBCTL_UI_OUTPUT ?? 'test-results',
  use: {
    baseURL: process.env.HUB_URL,
    viewport: { width: 1280, height: 800 },
    video: 'off',
    trace: 'off',
    launchOptions: chromiumLaunch
  }
});
