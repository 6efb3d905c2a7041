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

const shots = process.env.NBCTL_UI_SCREENSHOTS;

async function shoot(
  page: IJupyterLabPageFixture,
  name: string
): Promise<void> {
  if (shots) {
    await page
      .locator('#nbctl-panel')
      .screenshot({ path: path.join(shots, `${name}.png`) });
  }
}

async function openPanel(page: IJupyterLabPageFixture): Promise<void> {
  await page.locator('.jp-SideBar [data-id="nbctl-panel"]').click();
  await expect(page.locator('#nbctl-panel')).toBeVisible();
}

function row(page: IJupyterLabPageFixture, name: string) {
  return page.locator(`#nbctl-panel [data-notebook="${name}"]`);
}

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

  await row(page, 'lab').getByRole('button', { name: 'Resize lab' }).click();
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

  await row(page, 'lab').getByRole('button', { name: 'Delete lab' }).click();
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

test('a launch with a taken name shows the server message', async ({
  page
}) => {
  await openPanel(page);
  await expect(
    row(page, 'taken').locator('[data-phase="Running"]')
  ).toBeVisible();

  await launch(page, 'taken', '1', false);

  await expect(page.locator('#nbctl-panel .jp-nbctl-launch')).toContainText(
    'A notebook named taken already exists'
  );
  await expect(page.locator('.Toastify')).toContainText('already exists');
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

test('Stop and Start never contradict the badge, and a second press does nothing', async ({
  page
}) => {
  await openPanel(page);
  const real = row(page, 'real');
  const badge = real.locator('.jp-nbctl-badge');
  await expect(badge).toHaveText('Running');

  await real.getByRole('button', { name: 'Stop real' }).click();
  // Until its pod is gone: Stopping, and nothing to press (no Start beside Running)
  await expect(
    real.getByRole('button', { name: 'Stopping real' })
  ).toBeDisabled();
  await expect(badge).toHaveText('Stopping');
  await expect(real.getByRole('button', { name: 'Start real' })).toBeVisible({
    timeout: 60000
  });
  await expect(badge).toHaveText('Stopped');

  await real.getByRole('button', { name: 'Start real' }).click();
  await expect(
    real.getByRole('button', { name: 'Starting real' })
  ).toBeDisabled();
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
  await expect(warning).toContainText('after 10 minutes idle');
  await shoot(page, 'culling-warning');

  await idle.getByRole('button', { name: 'Keep idle running' }).click();

  await expect(page.locator('.Toastify')).toContainText('idle keeps running');
  await expect(idle.locator('[data-culling="Kept"]')).toContainText(
    'Kept running until'
  );
  await expect(warning).toHaveCount(0);
});

void galata;
