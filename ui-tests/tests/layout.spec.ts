/**
 * The panel as JupyterLab's own panels are (issue 17, points 1, 6, 7 and
 * 10), in light and dark, at 1280×800, with the sidebar as JupyterLab
 * opens it (its narrowest) and widened. Nothing here changes the cluster: alice's
 * notebooks are `taken`, `real` and `idle`, as tests/ui stages them.
 */
import { expect as slowExpect, galata, test } from '@jupyterlab/galata';

import {
  contrast,
  menuOf,
  openPanel,
  row,
  shoot,
  widenSidebar
} from './helpers';

// Nothing here waits for the cluster: a defect shows within seconds, not at the minute the real node needs.
const expect = slowExpect.configure({ timeout: 15000 });

test.use({
  autoGoto: true,
  viewport: { width: 1280, height: 800 },
  actionTimeout: 15000
});

for (const theme of ['light', 'dark'] as const) {
  for (const sidebar of ['narrowest', 'wide'] as const) {
    test.describe(`${theme} theme, ${sidebar} sidebar`, () => {
      test.beforeEach(async ({ page }) => {
        if (theme === 'dark') {
          await page.theme.setDarkTheme();
        }
        await openPanel(page);
        const width = async () =>
          (await page.locator('#nbctl-panel').boundingBox())!.width;
        if (sidebar === 'wide') {
          await widenSidebar(page, 480);
          await expect.poll(width).toBeGreaterThan(400);
        } else {
          // as JupyterLab opens it: its minimum width
          expect(await width()).toBeLessThan(300);
        }
        await slowExpect(
          row(page, 'idle').locator('.jp-nbctl-badge')
        ).toBeVisible();
      });

      test('each section scrolls, and a form is usable to its last button', async ({
        page
      }) => {
        const panel = page.locator('#nbctl-panel');
        const sections = panel.locator('.jp-AccordionPanel-title');
        await expect(
          sections.filter({ hasText: 'My notebooks' })
        ).toBeVisible();
        await expect(sections.filter({ hasText: 'Templates' })).toBeVisible();
        // the toolbar ends where the first section's title begins: nothing covers it
        const bar = (await panel
          .locator('.jp-SidePanel-toolbar')
          .boundingBox())!;
        const first = (await sections.first().boundingBox())!;
        expect(bar.y + bar.height).toBeLessThanOrEqual(first.y + 1);

        await page
          .getByRole('button', { name: 'Launch jupyter-scipy' })
          .click();
        const name = page.locator('#nbctl-name');
        await expect(name).toBeFocused();
        // Tab walks the form to its Launch button, and the section scrolls to each field
        const launch = page.getByRole('button', {
          name: 'Launch',
          exact: true
        });
        for (let i = 0; i < 20; i++) {
          const focused = page.locator(':focus');
          const what = await focused.evaluate(
            e =>
              `${e.tagName} ${e.id} ${e.getAttribute('aria-label') ?? ''} ${e.textContent}`
          );
          await expect(focused, `focus on ${what} is in view`).toBeInViewport();
          if (what.trim().endsWith('Cancel')) {
            break;
          }
          await page.keyboard.press('Tab');
        }
        await expect(
          page.getByRole('button', { name: 'Cancel', exact: true })
        ).toBeFocused();
        await launch.scrollIntoViewIfNeeded();
        await expect(launch).toBeInViewport();
        // inside the panel, not under the status bar
        const box = await panel.boundingBox();
        const button = await launch.boundingBox();
        expect(button!.y + button!.height).toBeLessThanOrEqual(
          box!.y + box!.height
        );
        await page.keyboard.press('Escape');

        // collapsing My notebooks gives its room to the templates, not to an empty pane
        const catalog = panel.locator('.jp-nbctl-section-templates');
        const before = (await catalog.boundingBox())!.height;
        await sections.filter({ hasText: 'My notebooks' }).click();
        await expect(panel.locator('.jp-nbctl-section-notebooks')).toBeHidden();
        await expect
          .poll(async () => (await catalog.boundingBox())!.height)
          .toBeGreaterThan(before);
        await sections.filter({ hasText: 'My notebooks' }).click();
        await expect(row(page, 'real')).toBeVisible();
      });

      test('a toolbar, icon buttons with tooltips, a menu for the rest, and readable text', async ({
        page
      }) => {
        const toolbar = page.locator('#nbctl-panel .jp-SidePanel-toolbar');
        await expect(
          toolbar.getByRole('button', { name: 'New notebook' })
        ).toBeVisible();
        await expect(
          toolbar.getByRole('button', { name: 'Refresh' })
        ).toBeVisible();

        // the filter keeps what matches, by name or template
        const filter = page
          .locator('#nbctl-panel')
          .getByRole('searchbox', { name: 'Filter' });
        await filter.fill('rea');
        await expect(row(page, 'real')).toBeVisible();
        await expect(row(page, 'taken')).toHaveCount(0);
        await expect(
          page.getByRole('button', { name: 'Launch jupyter-scipy' })
        ).toHaveCount(0);
        await filter.fill('');
        await expect(row(page, 'taken')).toBeVisible();

        // the frequent actions are icons with a tooltip, the rest in a menu
        const real = row(page, 'real');
        const buttons = real.locator('.jp-nbctl-row-actions button');
        await expect(buttons).toHaveCount(3);
        for (const [label, tip] of [
          ['Open real', /Open real in a new tab/],
          ['Stop real', /Stop real: running kernels end/],
          ['More actions for real', /Resize, update, events, logs, delete/]
        ] as const) {
          const button = real.getByRole('button', { name: label });
          await expect(button).toHaveAttribute('title', tip);
          await expect(button.locator('svg')).toBeVisible();
        }
        const menu = await menuOf(page, 'real');
        for (const item of ['Resize…', 'Events', 'Log', 'Delete…']) {
          await expect(
            menu.getByRole('menuitem', { name: item })
          ).toBeVisible();
        }
        if (sidebar === 'narrowest') {
          await shoot(page, `menu-${theme}`, 'page');
        }
        for (const item of await menu.locator('.lm-Menu-itemLabel').all()) {
          expect(await contrast(item)).toBeGreaterThanOrEqual(4.5);
        }
        await page.keyboard.press('Escape');
        await expect(menu).toBeHidden();

        // the template's display name, not its internal one; the row's text is readable
        await expect(real).toContainText('JupyterLab (built here)');
        for (const text of await real
          .locator('.jp-nbctl-notebook-name, .jp-nbctl-notebook-meta')
          .all()) {
          expect(await contrast(text)).toBeGreaterThanOrEqual(4.5);
        }

        // New notebook opens the templates and puts focus on the first
        await toolbar.getByRole('button', { name: 'New notebook' }).click();
        await expect(
          page.locator('#nbctl-panel .jp-nbctl-card').first()
        ).toBeFocused();
      });

      test('template cards say what a launch gets', async ({ page }) => {
        const card = page.getByRole('button', { name: 'Launch jupyter-scipy' });
        await expect(card).toContainText('CPU 1 (up to 4)');
        await expect(card).toContainText('memory 2Gi');
        await expect(card).toContainText('spark-defaults');
        const built = page.locator(
          '.jp-nbctl-card[data-template="jupyterlab"]'
        );
        await expect(built).toContainText('workspace');
      });

      test('the form is a JupyterLab form: a real select, a disabled Launch that looks it, Escape cancels', async ({
        page
      }) => {
        const card = page.getByRole('button', { name: 'Launch jupyter-scipy' });
        await card.click();
        await expect(page.locator('#nbctl-name')).toBeFocused();
        await expect(
          page.locator(
            '.jp-nbctl-launch .jp-HTMLSelect #nbctl-policy, .jp-nbctl-launch select#nbctl-policy.jp-HTMLSelect'
          )
        ).toHaveCount(1);
        const launch = page.getByRole('button', {
          name: 'Launch',
          exact: true
        });
        await page.locator('#nbctl-name').fill('Bad_Name');
        await expect(launch).toBeDisabled();
        const look = await launch.evaluate(b => {
          const s = getComputedStyle(b);
          return { opacity: Number(s.opacity), cursor: s.cursor };
        });
        expect(look.opacity).toBeLessThan(0.7);
        expect(look.cursor).toBe('not-allowed');
        // Escape cancels, and focus goes back to the card it came from
        await page.keyboard.press('Escape');
        await expect(page.locator('.jp-nbctl-launch')).toHaveCount(0);
        await expect(card).toBeFocused();
        // and so does Cancel
        await card.click();
        await page.getByRole('button', { name: 'Cancel', exact: true }).click();
        await expect(card).toBeFocused();
      });

      test('a start that no node has room for says so, with Resize as its fix', async ({
        page
      }) => {
        const stuck = row(page, 'stuck');
        const stages = stuck.locator('.jp-nbctl-stages[data-blocked="resize"]');
        await slowExpect(stages).toBeVisible();
        await expect(stages.locator('.jp-mod-done')).toHaveText(['Accepted']);
        await expect(stages.locator('.jp-mod-blocked')).toHaveText('Scheduled');
        await expect(stages).toContainText('Insufficient cpu');
        if (theme === 'light' && sidebar === 'narrowest') {
          await shoot(page, 'launch-stuck');
        }
        // the fix is at hand: the resize form, its bounds in its labels and its cost said
        await stuck.getByRole('button', { name: 'Resize stuck' }).click();
        const form = stuck.getByRole('form', { name: 'Resize stuck' });
        await expect(form).toContainText('CPU (up to 300)');
        await expect(form.getByLabel('CPU', { exact: true })).toBeFocused();
        await form.getByLabel('CPU', { exact: true }).fill('2');
        await expect(form).toContainText('running kernels stop');
        await page.keyboard.press('Escape');
        await expect(form).toHaveCount(0);
        await expect(
          stuck.getByRole('button', { name: 'More actions for stuck' })
        ).toBeFocused();
      });

      test('an update says what changes and that the notebook restarts, before it is asked for', async ({
        page
      }) => {
        const taken = row(page, 'taken');
        const badge = taken.locator('.jp-nbctl-update');
        await slowExpect(badge).toBeVisible();
        await expect(badge).toHaveAttribute('title', /says what changes/);
        const menu = await menuOf(page, 'taken');
        await menu
          .getByRole('menuitem', { name: /^Update to revision jupyter-scipy-/ })
          .click();
        const update = page.locator(
          '#nbctl-detail-taken [data-section="update"]'
        );
        await expect(update).toBeFocused();
        await expect(
          update.getByRole('table', { name: 'What changes' })
        ).toContainText('kubeflownotebookswg/jupyter-scipy:v1.8.0');
        await expect(update).toContainText('running kernels stop');
        await expect(
          update.getByRole('button', { name: 'Restart to update' })
        ).toBeVisible();
      });

      test("a notebook's tab: events to the second, only warnings marked, the log apart", async ({
        page
      }) => {
        await row(page, 'real')
          .getByRole('button', { name: 'Details of real' })
          .click();
        const tab = page.locator('#nbctl-detail-real');
        const events = tab.locator('[data-section="events"] tbody tr');
        await slowExpect(events.first()).toBeVisible();
        for (const time of await events
          .locator('td:first-child')
          .allTextContents()) {
          expect(time).not.toMatch(/\.\d{3,}|T\d\d:/);
        }
        for (const normal of await events
          .and(page.locator('[data-type="Normal"]'))
          .all()) {
          await expect(normal.locator('.jp-mod-warning')).toHaveCount(0);
        }
        await expect(tab.locator('.jp-nbctl-log')).not.toBeEmpty();
        for (const text of await tab
          .locator('dt, dd, td, .jp-nbctl-log')
          .all()) {
          expect(await contrast(text)).toBeGreaterThanOrEqual(4.5);
        }
      });

      test('the delete dialog defaults to Cancel, and focus returns to the row', async ({
        page
      }) => {
        const menu = await menuOf(page, 'taken');
        await menu.getByRole('menuitem', { name: 'Delete…' }).click();
        const dialog = page.locator('.jp-Dialog');
        await expect(dialog).toContainText('Delete notebook taken?');
        await expect(
          dialog.getByRole('button', { name: 'Cancel' })
        ).toBeFocused();
        await page.keyboard.press('Enter');
        await expect(dialog).toHaveCount(0);
        await expect(row(page, 'taken')).toBeVisible();
        await expect(
          row(page, 'taken').getByRole('button', {
            name: 'More actions for taken'
          })
        ).toBeFocused();
      });
    });
  }
}

void galata;
