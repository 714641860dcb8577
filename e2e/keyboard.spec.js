import { test, expect } from './fixtures.js';

/** Press Tab until the element matching `selector` has focus. */
async function tabTo(page, selector, max = 60) {
  for (let i = 0; i < max; i += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('log in, comment and read the timeline by keyboard alone', async ({ labPage: page }) => {
  // Mechanism: radios move with the arrow keys.
  await tabTo(page, 'input[name="mechanism"]:checked');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('radio', { name: 'Signed session' })).toBeChecked();

  await tabTo(page, '#login-username');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('Liu Bei');
  await page.keyboard.press('Tab');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('123');
  await page.keyboard.press('Enter');
  await expect(page.locator('#login-status')).toContainText('Logged in as Liu Bei with the signed session');

  await tabTo(page, '#comment-text');
  await page.keyboard.type('typed, never clicked');
  await page.keyboard.press('Enter');
  await expect(page.locator('#comments .comment').last()).toContainText('typed, never clicked');
  await expect(page.locator('#comments .comment').last()).toContainText('Liu Bei');

  // The timeline is a listbox: arrows move the selection, details follow.
  await tabTo(page, '#timeline-list');
  await page.keyboard.press('Home');
  await expect(page.locator('#details-body .details-head')).toBeVisible();
  await page.keyboard.press('End');
  const selected = page.locator('#timeline-list [role="option"][aria-selected="true"]');
  await expect(selected).toHaveCount(1);
  const id = await selected.getAttribute('id');
  await expect(page.locator('#timeline-list')).toHaveAttribute('aria-activedescendant', id);
});
