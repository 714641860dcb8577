import { test, expect, logIn, serverUser } from './fixtures.js';

const PAYLOAD = '<img src=x onerror=alert(1)>';

test('markup in a username cookie or a comment is shown as text and runs nothing', async ({ labPage: page }) => {
  const dialogs = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });

  await logIn(page, { mechanism: 'cookie', username: 'Tom' });
  await page.getByLabel('Forge the plain username cookie').fill(PAYLOAD);
  await page.getByRole('button', { name: 'Write with document.cookie' }).click();
  await expect(serverUser(page, 'cookie')).toHaveText(PAYLOAD);
  await expect(page.locator('#login-status')).toContainText(PAYLOAD);

  // The forged name now authors comments; the comment itself carries markup too.
  await page.getByLabel('Comment', { exact: true }).fill('<script>alert(2)</script><b>bold</b>');
  await page.getByRole('button', { name: 'Post' }).click();
  const comment = page.locator('#comments .comment').last();
  await expect(comment.locator('.author')).toHaveText(PAYLOAD);
  await expect(comment.locator('.comment-text')).toHaveText('<script>alert(2)</script><b>bold</b>');

  // No element came from the markup, so no handler of one can still fire: no dialog.
  await expect(page.locator('img')).toHaveCount(0);
  await expect(page.locator('#comments b, #comments script, main script')).toHaveCount(0);
  expect(dialogs).toEqual([]);
});
