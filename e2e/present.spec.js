// Present mode, the teacher's screen on a projector (1280x720): the side panels hidden,
// at least 12 rows in view, 20 px text, whole paths, lab events folded into one line
// that never moves the rows; a button, the P key and ?present=1 turn it on, and it is
// remembered. Screenshots are left in test-results/shots/ for a person to look at.
import { test, expect, logIn, openLab, rows } from './fixtures.js';

const PROJECTOR = { width: 1280, height: 720 };
const LONG_PATH = '/api/server-session/comment';

/** `count` requests from the page's own client, as a class's would arrive. */
const send = (page, count) => page.evaluate(async (n) => {
  const headers = { 'X-Lab-Id': window.statelab.lab, 'X-Client-Id': window.statelab.client };
  for (let i = 0; i < n; i += 1) {
    await fetch(i % 2 ? '/api/server-session/comment' : '/api/error/404', { method: i % 2 ? 'POST' : 'GET', headers });
  }
}, count);

/** The rows wholly inside the list's box, and whether any path is cut short. */
const inView = (page) => page.evaluate(() => {
  const box = document.querySelector('#timeline-list').getBoundingClientRect();
  const shown = [...document.querySelectorAll('#timeline-list [role="option"]')].filter((row) => {
    const r = row.getBoundingClientRect();
    return r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  });
  const cut = shown.map((row) => row.querySelector('.req')).filter((cell) => cell.scrollWidth > cell.clientWidth);
  return {
    rows: shown.length,
    font: parseFloat(getComputedStyle(shown[0].querySelector('.path')).fontSize),
    cut: cut.map((cell) => cell.textContent),
    top: shown[0].getBoundingClientRect().top,
  };
});

test('present mode: the timeline alone, 12+ readable rows at 1280x720, whole paths', async ({ labPage: page, otherPage: other }) => {
  await page.setViewportSize(PROJECTOR);
  await send(page, 30);
  await expect(rows(page, LONG_PATH).first()).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Try it' })).toBeVisible();
  await page.screenshot({ path: 'test-results/shots/owner-1280x720.png' });

  await page.getByRole('button', { name: 'Present' }).click();
  await expect(page.locator('html')).toHaveClass(/present/);
  await expect(page.getByRole('button', { name: 'Exit present' })).toHaveAttribute('aria-pressed', 'true');
  for (const hidden of ['Try it', 'Inspector', 'Request details']) {
    await expect(page.getByRole('heading', { name: hidden })).toBeHidden();
  }
  await expect.poll(async () => (await inView(page)).rows).toBeGreaterThanOrEqual(12);
  const before = await inView(page);
  expect(before.font).toBeGreaterThanOrEqual(20);
  expect(before.cut, 'paths cut short').toEqual([]);
  await page.screenshot({ path: 'test-results/shots/present-1280x720.png' });

  // "client X is now called Y": one line, in a place kept for it; the rows stay put.
  for (const name of ['Ada', 'Grace', 'Linus']) {
    await other.evaluate((n) => fetch('/api/me', {
      method: 'PUT', body: JSON.stringify({ name: n }),
      headers: { 'Content-Type': 'application/json', 'X-Lab-Id': window.statelab.lab, 'X-Client-Id': window.statelab.client },
    }), name);
  }
  await expect(page.locator('#lab-activity li').last()).toContainText('is now called Linus');
  await expect(page.locator('#lab-activity li').last()).toBeVisible();
  await expect(page.locator('#lab-activity li').first()).toBeHidden();
  expect((await inView(page)).top).toBe(before.top);
  await page.screenshot({ path: 'test-results/shots/present-1280x720-names.png' });

  // The P key turns it off; the panels are back.
  await page.locator('#timeline-list').focus();
  await page.keyboard.press('p');
  await expect(page.locator('html')).not.toHaveClass(/present/);
  await expect(page.getByRole('heading', { name: 'Try it' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Present' })).toHaveAttribute('aria-pressed', 'false');
  // Typing a "p" into a field is typing, not the shortcut.
  await page.locator('#comment-text').fill('');
  await page.locator('#comment-text').press('p');
  await expect(page.locator('html')).not.toHaveClass(/present/);
});

test('present mode is remembered, and ?present=1 / ?present=0 turn it on and off', async ({ page, lab }) => {
  await page.setViewportSize(PROJECTOR);
  await page.goto(`${lab.url}&present=1`);
  await expect(page.locator('html')).toHaveClass(/present/);
  await expect(page.getByRole('heading', { name: 'Inspector' })).toBeHidden();
  await page.goto(lab.url); // remembered by this browser
  await expect(page.locator('html')).toHaveClass(/present/);
  await page.evaluate(() => fetch('/api/error/404', { headers: { 'X-Lab-Id': window.statelab.lab, 'X-Client-Id': window.statelab.client } }));
  await expect(rows(page, '/api/error/404')).toHaveCount(1);
  for (const [width, height] of [[1440, 900], [390, 844]]) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: `test-results/shots/present-${width}x${height}.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  }
  await page.goto(`${lab.url}&present=0`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
  await expect(page.locator('html')).not.toHaveClass(/present/);
  await page.getByRole('button', { name: 'Present' }).click();
  await page.getByRole('button', { name: 'Exit present' }).click();
  await page.goto(lab.url);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
  await expect(page.locator('html')).not.toHaveClass(/present/);
});

test('comments show who posted them: chip and name, not just the account', async ({ labPage: page, otherPage: other }) => {
  await page.getByRole('button', { name: 'Name…' }).click();
  await page.getByLabel('Display name').fill('Ms Lee');
  await page.getByRole('button', { name: 'Save' }).click();
  for (const [who, text] of [[page, 'from the teacher'], [other, 'from a student']]) {
    await logIn(who, { username: 'Tom' });
    await who.getByLabel('Comment', { exact: true }).fill(text);
    await who.getByRole('button', { name: 'Post' }).click();
  }
  const comments = page.locator('#comments .comment');
  await expect(comments).toHaveCount(2);
  // Both posted as the account Tom; each names its person, in that person's colour.
  await expect(comments.nth(0).locator('.poster')).toHaveText('you');
  await expect(comments.nth(1).locator('.poster')).toHaveText(/^client \S{4}$/);
  for (const i of [0, 1]) await expect(comments.nth(i).locator('.author')).toHaveText('Tom');
  const swatch = (loc) => loc.locator('.swatch').evaluate((el) => getComputedStyle(el).backgroundColor);
  const studentRow = rows(page, 'POST /api/cookie/comment').filter({ hasNotText: 'you' }).first();
  expect(await swatch(comments.nth(1).locator('.poster'))).toBe(await swatch(studentRow));
  await expect(other.locator('#comments .comment').nth(0).locator('.poster')).toHaveText('Ms Lee');
  await page.locator('#comments').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/shots/comments-1440x900.png' });
});

test('Clear for all asks first; Clear my view can be undone', async ({ labPage: page }) => {
  await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await expect(rows(page, '/api/error/404')).toHaveCount(1);
  const asked = [];
  page.once('dialog', (dialog) => {
    asked.push(dialog.message());
    dialog.dismiss();
  });
  await page.getByRole('button', { name: 'Clear for all' }).click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toContain('Clear the log for everyone?');
  await expect(rows(page, '/api/error/404')).toHaveCount(1); // declined: nothing cleared

  await page.getByRole('button', { name: 'Clear my view' }).click();
  await expect(rows(page, '/api/error/404')).toHaveCount(0);
  await page.locator('#lab-activity').getByRole('button', { name: 'Undo' }).click();
  await expect(rows(page, '/api/error/404')).toHaveCount(1);
  await expect(page.locator('#lab-activity')).toBeHidden();
});

test('on a phone the timeline is near the top of the page', async ({ page, lab }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openLab(page, lab);
  const top = await page.locator('#timeline-list').evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
  expect(top).toBeLessThan(400);
  await page.screenshot({ path: 'test-results/shots/phone-390x844-top.png' });
});

test('the teacher sees how many pages watch the lab', async ({ labPage: page, otherPage: other, browser, lab }) => {
  test.setTimeout(60_000);
  await expect(other.locator('#connection')).toHaveAttribute('data-state', 'live');
  // A third page, polling the log every 2 s as a page in a full lab does.
  const poller = await (await browser.newContext()).newPage();
  await poller.goto('/static/explain.html');
  await poller.evaluate((lab) => setInterval(() => fetch(`/api/hooks?limit=1&after=1&lab=${lab}`, { headers: { 'X-Client-Id': 'poller-page-1' } }), 2000), lab.id);
  // Read every 10 s: the teacher's own stream and the other page's, and the poller (a
  // read after an event id, as a polling page makes; a page's first read is no poll).
  await expect(page.locator('#viewers')).toHaveText(/^2 live · 1 polling$/, { timeout: 30_000 });
  await expect(other.locator('#viewers')).toHaveCount(0); // a participant has no count
});
