// Present mode, the teacher's screen on a projector (1280x720): the side panels hidden,
// at least 12 rows in view, 20 px text, whole paths, lab events folded into one line
// that never moves the rows; a button, the P key and ?present=1 turn it on, and it is
// remembered. Screenshots are left in test-results/shots/ for a person to look at.
import { test, expect, rows } from './fixtures.js';

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
  await page.goto(`${lab.url}&present=0`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
  await expect(page.locator('html')).not.toHaveClass(/present/);
  await page.getByRole('button', { name: 'Present' }).click();
  await page.getByRole('button', { name: 'Exit present' }).click();
  await page.goto(lab.url);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
  await expect(page.locator('html')).not.toHaveClass(/present/);
});
