/**
 * What the panel's Galata specs share: opening the panel, a notebook's row,
 * screenshots into NBCTL_UI_SCREENSHOTS, a theme and sidebar width to run
 * in, and the contrast of text against what it is drawn on.
 */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import * as path from 'path';

const shots = process.env.NBCTL_UI_SCREENSHOTS;

/** A screenshot of the panel, or of the whole page, into NBCTL_UI_SCREENSHOTS when it is set. */
export async function shoot(
  page: IJupyterLabPageFixture,
  name: string,
  what: Locator | 'page' = page.locator('#nbctl-panel')
): Promise<void> {
  if (shots) {
    const file = path.join(shots, `${name}.png`);
    await (what === 'page'
      ? page.screenshot({ path: file })
      : what.screenshot({ path: file }));
  }
}

export async function openPanel(page: IJupyterLabPageFixture): Promise<void> {
  await page.locator('.jp-SideBar [data-id="nbctl-panel"]').click();
  await expect(page.locator('#nbctl-panel')).toBeVisible();
}

export function row(page: IJupyterLabPageFixture, name: string): Locator {
  return page.locator(`#nbctl-panel [data-notebook="${name}"]`);
}

/** A notebook's "More actions" menu, opened. */
export async function menuOf(
  page: IJupyterLabPageFixture,
  name: string
): Promise<Locator> {
  await row(page, name)
    .getByRole('button', { name: `More actions for ${name}` })
    .click();
  const menu = page.locator('.lm-Menu.jp-nbctl-menu');
  await expect(menu).toBeVisible();
  return menu;
}

/** The left sidebar dragged by its split handle to `width` pixels (JupyterLab opens it at its narrowest). */
export async function widenSidebar(
  page: IJupyterLabPageFixture,
  width: number
): Promise<void> {
  const handle = page
    .locator('#jp-main-split-panel > .lm-SplitPanel-handle')
    .first();
  const box = await handle.boundingBox();
  if (!box) {
    throw new Error('the sidebar has no split handle');
  }
  const left = (await page.locator('#jp-left-stack').boundingBox())!.x;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(left + width, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
}

/**
 * WCAG's contrast ratio of an element's text against the first opaque
 * background behind it (the page's own when none is set).
 */
export async function contrast(what: Locator): Promise<number> {
  return what.evaluate(element => {
    const rgb = (css: string): number[] =>
      (css.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]): number => {
      const linear = (c: number) => {
        const s = c / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    };
    // Layers from the element down to the page, blended as the browser does.
    const layers: number[][] = [];
    for (let e: Element | null = element; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) {
        layers.push(c.length === 3 ? [...c, 1] : c);
        if (layers[layers.length - 1][3] >= 1) {
          break;
        }
      }
    }
    const over = (top: number[], under: number[]): number[] =>
      [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]));
    let back = [255, 255, 255];
    for (const layer of layers.reverse()) {
      back = over(layer, back);
    }
    const color = rgb(getComputedStyle(element).color);
    const fore = over(color.length === 3 ? [...color, 1] : color, back);
    const [a, b] = [luminance(fore), luminance(back)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}
