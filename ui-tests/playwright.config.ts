/**
 * Galata's Playwright settings, in Debian's Chromium (test tools cannot
 * download browsers here). The pytest driver starts JupyterLab and passes
 * its address in TARGET_URL.
 */
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
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  }
};
