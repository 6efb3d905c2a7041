/**
 * Two users log in to one JupyterHub. Each one's JupyterLab has the panel,
 * acting as that user through the hub's impersonation: alice sees and
 * launches her own notebooks, bob sees only his.
 */
import { expect, Page, test } from '@playwright/test';
import * as path from 'path';

const password = process.env.HUB_PASSWORD ?? '';
const shots = process.env.NBCTL_UI_SCREENSHOTS;

async function logIn(page: Page, user: string): Promise<void> {
  await page.goto('/hub/login');
  await page.locator('#username_input').fill(user);
  await page.locator('#password_input').fill(password);
  await page.locator('#login_submit').click();
  // The hub spawns the user's server and sends the browser on to its JupyterLab.
  await page.waitForURL(new RegExp(`/user/${user}/lab`), { timeout: 180000 });
  await page.locator('.jp-SideBar [data-id="nbctl-panel"]').click();
  await expect(page.locator('#nbctl-panel')).toBeVisible();
}

function row(page: Page, name: string) {
  return page.locator(`#nbctl-panel [data-notebook="${name}"]`);
}

test('alice, through the hub, sees and launches only her own notebooks', async ({
  browser
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page, 'alice');

  // alice herself, not the hub, nor her server's own credential (alice-server)
  await expect(page.locator('#nbctl-panel .jp-nbctl-who')).toHaveText(
    /^alice · /
  );
  await expect(row(page, 'alices')).toBeVisible();
  await expect(row(page, 'bobs')).toHaveCount(0);

  await page.getByRole('button', { name: 'Launch lab' }).click();
  await page.locator('#nbctl-name').fill('from-hub');
  await page.getByRole('button', { name: 'Launch', exact: true }).click();
  await expect(row(page, 'from-hub')).toBeVisible();
  if (shots) {
    await page.screenshot({ path: path.join(shots, 'hub-alice.png') });
  }
  await context.close();
});

test('bob, in the same hub, sees only his', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page, 'bob');

  await expect(page.locator('#nbctl-panel .jp-nbctl-who')).toHaveText(
    /^bob · /
  );
  await expect(row(page, 'bobs')).toBeVisible();
  await expect(row(page, 'alices')).toHaveCount(0);
  await expect(row(page, 'from-hub')).toHaveCount(0);
  await context.close();
});
