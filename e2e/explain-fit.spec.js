// At 1440x900 each open explanation fits the pane that scrolls it: its point is read
// without scrolling, and its link opens the whole text (explain.html).
import { test, expect } from './fixtures.js';

const EXPLANATIONS = ['storage', 'errors', 'order', 'how', 'first-request', 'attributes'];
const CUT = ['storage', 'order', 'how', 'first-request', 'attributes']; // each says its point, and links the rest

test('at 1440x900 every open explanation fits its column, and links the whole text', async ({ labPage: page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  for (const name of EXPLANATIONS) {
    const box = page.locator(`details[data-explain="${name}"]`);
    await box.locator('summary').click();
    await expect(box.locator('summary + *')).toBeVisible(); // the body has loaded
    const { height, column } = await box.evaluate((el) => {
      el.scrollIntoView();
      let pane = el.parentElement;
      while (!/auto|scroll/.test(getComputedStyle(pane).overflowY)) pane = pane.parentElement;
      return { height: el.getBoundingClientRect().height, column: pane.clientHeight };
    });
    if (name === 'order') await page.screenshot({ path: 'test-results/shots/explain-desktop-order.png' });
    expect(height, `"${name}" (${height} px) fits its column (${column} px)`).toBeLessThan(column);
    if (CUT.includes(name)) {
      await expect(box.getByRole('link', { name: /^More/ })).toHaveAttribute('href', `/static/explain.html#${name}`);
    }
    await box.locator('summary').click();
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('details[data-explain="storage"]').evaluate((el) => { el.open = true; el.scrollIntoView(); });
  await page.screenshot({ path: 'test-results/shots/explain-phone-storage.png' });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('the whole text of each explanation reads on a page of its own', async ({ page }) => {
  await page.goto('/static/explain.html#storage');
  for (const name of EXPLANATIONS) await expect(page.locator(`section#${name} h2`)).toBeVisible();
  for (const name of CUT) await expect(page.locator(`section#${name} .rest`)).toBeVisible();
  await expect(page.getByRole('link', { name: /^More/ })).toHaveCount(0); // links are the page's, not this one's
  await expect(page.locator('section#storage')).toContainText('a copy keeps working until the signature\'s age runs out');
});
