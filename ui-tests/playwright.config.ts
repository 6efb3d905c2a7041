/**
 * Galata's Playwright settings, in Debian's Chromium (test tools cannot
 * download browsers here). The pytest driver starts JupyterLab and passes
 * its address in TARGET_URL.
 */
import { chromiumLaunch } from './chromium';

// Galata ships its base settings as a CommonJS module, as Playwright's own examples load it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  testDir: './tests',
  timeout: 240000,
  expect: { timeout: 60000 },
  retries: 0,
  workers: 1,
  reporter: [['list']],
  outputDir: process.env.NBCTL_UI_OUTPUT ?? 'test-results',
  use: {
    ...baseConfig.use,
    baseURL: process.env.TARGET_URL,
    video: 'off',
    trace: 'off',
    launchOptions: chromiumLaunch
  }
};
