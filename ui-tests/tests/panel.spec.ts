/**
 * alice, in JupyterLab, launches the seed's template from the sidebar and
 * manages her notebook; bob's notebook never shows; a taken name shows the
 * server's message. Screenshots go to NBCTL_UI_SCREENSHOTS when it is set.
 */
import {
  expect,
  galata,
  IJupyterLabPageFixture,
  test
} from '@jupyterlab/galata';
import * as path from 'path';

import { menuOf, openPanel, row, shoot, widenSidebar } from './helpers';

const shots = process.env.NBCTL_UI_SCREENSHOTS;

async function launch(
  page: IJupyterLabPageFixture,
  name: string,
  cpu: string,
  spark: boolean
): Promise<void> {
  await page.getByRole('button', { name: 'Launch jupyter-scipy' }).click();
  await page.locator('#nbctl-name').fill(name);
  if (spark) {
    await page.getByRole('checkbox', { name: 'spark-defaults' }).check();
  }
  await page.locator('#nbctl-cpu').fill(cpu);
  if (spark) {
    await shoot(page, 'launch-form');
  }
  await page.getByRole('button', { name: 'Launch', exact: true }).click();
}

test.use({ autoGoto: true });

// A script error in the panel shows in the test's output, not only as an empty pane.
test.beforeEach(({ page }) => {
  page.on('pageerror', error => console.log(`page error: ${error.stack}`));
  page.on('console', message => {
    if (message.type() === 'error') {
      console.log(`console error: ${message.text()}`);
    }
  });
});

test('alice launches, resizes, stops, starts and deletes a notebook from the sidebar', async ({
  page
}) => {
  await openPanel(page);
  await expect(
    page.getByRole('button', { name: 'Launch jupyter-scipy' })
  ).toBeVisible();
  await expect(page.locator('#nbctl-panel .jp-nbctl-who')).toContainText(
    'alice'
  );
  await shoot(page, 'catalog');

  // bob's notebook in the same namespace is not in alice's list
  await expect(row(page, 'bobs')).toHaveCount(0);

  // a name the API server would refuse is explained before submit
  await page.getByRole('button', { name: 'Launch jupyter-scipy' }).click();
  await page.locator('#nbctl-name').fill('Bad_Name');
  await expect(page.locator('#nbctl-name-problem')).toContainText(
    'Lowercase letters'
  );
  await expect(
    page.getByRole('button', { name: 'Launch', exact: true })
  ).toBeDisabled();
  await page.getByRole('button', { name: 'Cancel' }).click();

  await launch(page, 'lab', '2', true);
  await shoot(page, 'launch-progress');
  await expect(page.locator('.Toastify')).toContainText('lab was accepted');
  await expect(
    row(page, 'lab').locator('[data-phase="Running"]')
  ).toBeVisible();
  // and told when it is ready, with Open at hand
  const ready = page.locator('.Toastify__toast', { hasText: 'lab is ready' });
  await expect(ready).toBeVisible();
  await expect(ready.getByRole('button', { name: 'Open' })).toBeVisible();
  await expect(row(page, 'lab')).toContainText('2 CPU');
  await shoot(page, 'notebooks-light');
  await page.theme.setDarkTheme();
  await shoot(page, 'notebooks-dark');
  await page.theme.setLightTheme();

  await (
    await menuOf(page, 'lab')
  )
    .getByRole('menuitem', { name: 'Resize…' })
    .click();
  await row(page, 'lab').getByLabel('CPU', { exact: true }).fill('3');
  await row(page, 'lab')
    .getByRole('button', { name: 'Resize and restart' })
    .click();
  await expect(row(page, 'lab')).toContainText('3 CPU');
  await expect(
    row(page, 'lab').locator('[data-phase="Running"]')
  ).toBeVisible();

  await row(page, 'lab').getByRole('button', { name: 'Stop lab' }).click();
  await expect(
    row(page, 'lab').locator('[data-phase="Stopped"]')
  ).toBeVisible();
  await row(page, 'lab').getByRole('button', { name: 'Start lab' }).click();
  await expect(
    row(page, 'lab').locator('[data-phase="Running"]')
  ).toBeVisible();

  await (
    await menuOf(page, 'lab')
  )
    .getByRole('menuitem', { name: 'Delete…' })
    .click();
  await expect(page.locator('.jp-Dialog')).toContainText(
    'Delete notebook lab?'
  );
  // the workspace is kept unless asked
  await expect(page.locator('.jp-Dialog')).toContainText(
    'Also delete its workspace lab-workspace'
  );
  await expect(
    page.locator('.jp-Dialog').getByRole('checkbox')
  ).not.toBeChecked();
  await page.getByRole('button', { name: 'Delete lab' }).last().click();
  await expect(row(page, 'lab')).toHaveCount(0);

  // and listed as kept, to reattach or delete
  const kept = page.locator('[data-workspace="lab-workspace"]');
  await expect(kept).toContainText('kept from lab');
  await shoot(page, 'kept-workspace');
  await kept
    .getByRole('button', { name: 'Delete workspace lab-workspace' })
    .click();
  await page.getByRole('button', { name: 'Delete lab-workspace' }).click();
  await expect(kept).toHaveCount(0);
});

test('a taken name is said on the field as it is typed, a free one is suggested, and memory has a unit', async ({
  page
}) => {
  await openPanel(page);
  await expect(
    row(page, 'taken').locator('[data-phase="Running"]')
  ).toBeVisible();

  await page.getByRole('button', { name: 'Launch jupyter-scipy' }).click();
  const name = page.locator('#nbctl-name');
  await expect(name).toHaveValue('jupyter-scipy');
  await name.fill('taken');
  await expect(page.locator('#nbctl-name-problem')).toContainText(
    'You already have a notebook named taken'
  );
  await expect(
    page.getByRole('button', { name: 'Launch', exact: true })
  ).toBeDisabled();
  // "2" is two gibibytes, never two bytes: the unit is always chosen
  await page.locator('#nbctl-memory').fill('2');
  await expect(page.getByRole('combobox', { name: 'Memory unit' })).toHaveValue(
    'Gi'
  );
  await page.keyboard.press('Escape');
});

test("Open shows the notebook's own JupyterLab in a new tab", async ({
  page
}) => {
  await openPanel(page);
  const real = row(page, 'real');
  await expect(real.locator('[data-phase="Running"]')).toBeVisible();

  const [tab] = await Promise.all([
    page.context().waitForEvent('page'),
    real.getByRole('button', { name: 'Open' }).click()
  ]);

  // The notebook's own JupyterLab, from its pod on the real node, through the gateway.
  await expect(tab).toHaveURL(/\/notebook\/[^/]+\/real\//);
  // The guard took the one-use ticket and left a session: the address no longer holds it.
  await expect(tab).not.toHaveURL(/nbctl-ticket/, { timeout: 60000 });
  await expect(tab.locator('#jp-main-dock-panel')).toBeVisible({
    timeout: 120000
  });
  await expect(tab.locator('.jp-Launcher')).toBeVisible({ timeout: 60000 });
  // Its own JupyterLab has jupyter-nbctl, but no panel: the notebook acts for nobody
  await expect(tab.locator('.jp-Launcher')).not.toContainText(
    'Kubernetes Notebooks'
  );
  await expect(tab.locator('.jp-SideBar [data-id="nbctl-panel"]')).toHaveCount(
    0
  );
  if (shots) {
    await tab.screenshot({ path: path.join(shots, 'open-notebook.png') });
  }
});

/**
 * Holds the panel's Stop and Start POSTs until released: what a row shows
 * while a press waits is then seen, not raced. One route for the whole test
 * (a second page.route here was never consulted, and unroute left the first).
 */
class HeldPresses {
  /** What was sent, as `<notebook>/<stop|start>`, in order. */
  readonly sent: string[] = [];
  private _gate: Promise<void> = Promise.resolve();
  private _open: () => void = () => undefined;

  static async on(page: IJupyterLabPageFixture): Promise<HeldPresses> {
    const held = new HeldPresses();
    // By path: ServerConnection adds a cache-busting query to every request.
    const press = /\/nbctl\/api\/notebooks\/([^/]+\/(?:stop|start))$/;
    await page.route(
      url => press.test(url.pathname),
      async route => {
        const what = press.exec(new URL(route.request().url()).pathname);
        held.sent.push(what ? what[1] : '?');
        await held._gate;
        await route.continue();
      }
    );
    return held;
  }

  /** Hold the next presses. */
  hold(): void {
    this._gate = new Promise<void>(resolve => (this._open = resolve));
  }

  /** Once `what` was sent, let it (and any other held press) through. */
  async release(what: string): Promise<void> {
    await expect
      .poll(() => this.sent, { message: `a POST to notebooks/${what}` })
      .toContain(what);
    this._open();
  }
}

test('Stop and Start never contradict the badge, and a second press does nothing', async ({
  page
}) => {
  await openPanel(page);
  const real = row(page, 'real');
  const badge = real.locator('.jp-nbctl-badge');
  await expect(badge).toHaveText('Running');

  // Each press is held on its way to the server, so that the row is seen while
  // it waits: the cluster may answer before a poll would catch the transition.
  const presses = await HeldPresses.on(page);
  presses.hold();
  await real.getByRole('button', { name: 'Stop real' }).click();
  // Until its pod is gone: Stopping, and nothing to press (no Start beside Running)
  const stopping = real.getByRole('button', { name: 'Stopping real' });
  await expect(stopping).toBeDisabled();
  await expect(real.getByRole('button', { name: 'Stop real' })).toHaveCount(0);
  await presses.release('real/stop');
  expect(presses.sent).toEqual(['real/stop']);
  // Once sent, the badge no longer says Running (a quick pod may already be gone)
  await expect(badge).toHaveText(/^(Stopping|Stopped)$/);
  await expect(real.getByRole('button', { name: 'Start real' })).toBeVisible({
    timeout: 60000
  });
  await expect(badge).toHaveText('Stopped');

  // The way back in the other theme, with the sidebar widened: Stop ran in light at its narrowest
  await page.theme.setDarkTheme();
  await widenSidebar(page, 480);
  presses.hold();
  await real.getByRole('button', { name: 'Start real' }).click();
  const starting = real.getByRole('button', { name: 'Starting real' });
  await expect(starting).toBeDisabled();
  await expect(real.getByRole('button', { name: 'Start real' })).toHaveCount(0);
  await presses.release('real/start');
  expect(presses.sent).toEqual(['real/stop', 'real/start']);
  await expect(badge).not.toHaveText('Stopped');
  await expect(badge).toHaveText('Running', { timeout: 120000 });
  await expect(real.getByRole('button', { name: 'Stop real' })).toBeEnabled();
});

test('an idle notebook warns its owner, and Keep running keeps it', async ({
  page
}) => {
  await openPanel(page);
  const idle = row(page, 'idle');
  const warning = idle.locator('[data-culling="Warning"]');
  await expect(warning).toBeVisible({ timeout: 90000 });
  await expect(warning).toContainText('Stops at');
  await expect(warning).toContainText('after 1 hour idle');
  await shoot(page, 'culling-warning');

  await idle.getByRole('button', { name: 'Keep idle running' }).click();

  await expect(page.locator('.Toastify')).toContainText('idle keeps running');
  await expect(idle.locator('[data-culling="Kept"]')).toContainText(
    'Kept running until'
  );
  await expect(warning).toHaveCount(0);
});

void galata;

test("a notebook's tab shows its overview, its events as they arrive and its log, followed", async ({
  page
}) => {
  await openPanel(page);
  const real = row(page, 'real');
  await expect(real.locator('[data-phase="Running"]')).toBeVisible();
  await real.getByRole('button', { name: 'Details of real' }).click();

  const tab = page.locator('#nbctl-detail-real');
  await expect(tab).toBeVisible();
  const overview = tab.locator('[data-section="overview"]');
  await expect(overview).toContainText('JupyterLab (built here)');
  await expect(overview).toContainText('alice');
  await expect(overview).toContainText('real-workspace');
  await expect(overview).toContainText(/ago/);

  // Kubernetes' events of the notebook and its pod, to the second, never in microseconds
  const events = tab.locator('[data-section="events"] tbody tr');
  await expect(events.filter({ hasText: 'Started' }).first()).toBeVisible();
  for (const cell of await events.locator('td:first-child').all()) {
    await expect(cell).not.toHaveText(/\.\d{3,}/);
  }
  // a Normal event is not shown as a warning
  await expect(
    events.filter({ hasText: 'Started' }).first().locator('.jp-mod-warning')
  ).toHaveCount(0);

  // its Jupyter server's own log, and Copy
  const log = tab.locator('.jp-nbctl-log');
  await expect(log).toContainText('Jupyter Server', { timeout: 60000 });
  await expect(
    tab.getByRole('button', { name: 'Copy', exact: true })
  ).toBeEnabled();
  if (shots) {
    await page.screenshot({ path: path.join(shots, 'detail.png') });
  }

  // the menu's Log comes back to the same tab, at its log
  await (
    await menuOf(page, 'real')
  )
    .getByRole('menuitem', { name: 'Log' })
    .click();
  await expect(page.locator('#nbctl-detail-real')).toHaveCount(1);
  await expect(tab.locator('[data-section="log"]')).toBeFocused();
});

test("Restart to update moves the notebook to its template's newest revision", async ({
  page
}) => {
  await openPanel(page);
  const taken = row(page, 'taken');
  await expect(taken.locator('.jp-nbctl-update')).toBeVisible();
  await (
    await menuOf(page, 'taken')
  )
    .getByRole('menuitem', { name: /^Update to revision/ })
    .click();
  await page
    .locator('#nbctl-detail-taken')
    .getByRole('button', { name: 'Restart to update' })
    .click();
  await expect(page.locator('.Toastify')).toContainText(
    'taken restarts on its template’s newest revision'
  );
  // the restart takes it: no update left, running again
  await expect(taken.locator('.jp-nbctl-update')).toHaveCount(0);
  await expect(taken.locator('[data-phase="Running"]')).toBeVisible();
  await expect(
    page.locator('#nbctl-detail-taken [data-section="update"]')
  ).toHaveCount(0);
});
