// Issue 10, a class in one lab: the owner token (the page that made the lab, or the
// teacher link), what a participant may not do and why, who changed the lab, a full
// lab read by polling, and what a late joiner missed.
import { test, expect, openLab, rows } from './fixtures.js';

const SMALL = `http://127.0.0.1:${process.env.STATELAB_E2E_SMALL_PORT}`;

test('a participant cannot change settings or clear the log for everyone, and sees why', async ({ labPage, otherPage }) => {
  const switchOf = (page) => page.getByRole('switch', { name: 'Short-circuit in before_request' });
  const clearOf = (page) => page.getByRole('button', { name: 'Clear log' });
  // The owner (the page that made the lab) may; the participant's controls say why not.
  await expect(switchOf(labPage)).toBeEnabled();
  await expect(clearOf(labPage)).toBeEnabled();
  await expect(labPage.locator('#owner-note')).toBeHidden();
  await expect(switchOf(otherPage)).toBeDisabled();
  await expect(clearOf(otherPage)).toBeDisabled();
  const why = /Only the lab's owner .* can change settings, the signing key, or clear the log for everyone/;
  await expect(otherPage.locator('#owner-note')).toHaveText(why);
  await expect(clearOf(otherPage)).toHaveAccessibleDescription(why);
  await expect(switchOf(otherPage)).toHaveAccessibleDescription(why);

  // Around the page, the server refuses too: the participant's own request, no token.
  const refused = await otherPage.evaluate(async () => {
    const res = await fetch('/api/hooks', { method: 'DELETE', headers: { 'X-Lab-Id': window.statelab.lab } });
    return [res.status, (await res.json()).error];
  });
  expect(refused).toEqual([403, 'owner_only']);

  // The owner's change reaches the participant, saying who made it.
  await switchOf(labPage).check();
  await expect(switchOf(otherPage)).toBeChecked();
  await expect(otherPage.locator('#lab-activity')).toContainText(/client \w{4} set short_circuit on/);
  await clearOf(labPage).click();
  await expect(otherPage.locator('#lab-activity')).toContainText(/client \w{4} cleared the log for everyone/);
});

test('the teacher link makes a browser the owner and leaves the address bar', async ({ browser, lab }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openLab(page, lab, { owner: true });
  await expect(page).toHaveURL(new RegExp(`/\\?lab=${lab.id}$`));
  await expect(page.getByRole('button', { name: 'Clear log' })).toBeEnabled();
  // The token stays with this browser: a reload still owns the lab.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByRole('button', { name: 'Clear log' })).toBeEnabled();
  await context.close();
});

test.describe('a class bigger than the lab', () => {
  test.use({ baseURL: SMALL });

  test('a refused viewer is told the lab is full and follows it by polling', async ({ page, browser }) => {
    await page.goto('/');
    await expect(page.locator('#connection')).toHaveAttribute('data-state', 'live');
    const lab = await page.evaluate(() => window.statelab.lab);
    const context = await browser.newContext();
    const late = await context.newPage();
    await late.goto(`/?lab=${lab}`);
    await expect(late.locator('#connection')).toHaveAttribute('data-state', 'polling');
    await expect(late.locator('#connection-text')).toHaveText('Polling (lab full)');
    await expect(late.locator('#banner')).toHaveText(/^This lab is full \(1 viewer\): polling/);
    // The owner's request still reaches the full page's timeline.
    await page.getByRole('button', { name: 'abort(404)' }).click();
    await expect(rows(late, '/api/error/404')).toHaveCount(1, { timeout: 10_000 });
    await context.close();
  });

  test('a late joiner is told how many older events the bounded log dropped', async ({ page, request }) => {
    const made = await (await request.post('/api/labs')).json();
    for (let i = 0; i < 20; i += 1) {
      expect((await request.get(`/api/error/404`, { headers: { 'X-Lab-Id': made.id } })).status()).toBe(404);
    }
    await page.goto(made.url);
    await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
    await expect(page.locator('#history-note')).toHaveText(/^Showing the last \d+ requests?; \d+ older events were dropped from the lab's bounded log\.$/);
  });
});
