// The waterfall. Every request on one shared time axis (overlaps show), the
// selected request's steps on a strip that keeps the small ones readable beside a
// scrypt login, the scale said on the page; by keyboard, light and dark, on a phone.
import { test, expect, logIn, rows, expectNoAxeViolations } from './fixtures.js';

async function waterfallOn(page) {
  const toggle = page.getByRole('checkbox', { name: 'Waterfall' });
  await toggle.check();
  await expect(page.getByRole('region', { name: 'Waterfall' })).toBeVisible();
}

test('requests that overlap in time are drawn overlapping on the shared axis', async ({ labPage: page }) => {
  await waterfallOn(page);
  await page.getByRole('button', { name: 'Slow request (3 s)' }).click();
  await expect(rows(page, 'GET /api/slow')).toContainText('pending');
  await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await expect(rows(page, 'GET /api/error/404')).toContainText('404');
  // The server sleeps 3 s in /api/slow: whether the 404 also ended first is read from
  // the log's order (its row answered while the slow one's was still pending), never
  // assumed from how fast a loaded machine answers.
  const endedFirst = (await rows(page, 'GET /api/slow').textContent()).includes('pending');
  await expect(rows(page, 'GET /api/slow')).toContainText('200', { timeout: 15_000 });

  // Both measured in one go: a new request moves the axis and redraws every row.
  const [slow, fast] = await page.locator('#timeline-list').evaluate((list) => ['/api/slow', '/api/error/404'].map((path) => {
    const row = [...list.querySelectorAll('[role="option"]')].find((r) => r.querySelector('.path').textContent.startsWith(path));
    return row.querySelector('.bars .extent').getBoundingClientRect().toJSON();
  }));
  // The 404 was sent once the slow request showed as pending: it starts later. When it
  // also ended first, it lies wholly inside the slow one's extent.
  expect(fast.x).toBeGreaterThan(slow.x);
  if (endedFirst) {
    expect(fast.x).toBeLessThan(slow.x + slow.width);
    expect(fast.x + fast.width).toBeLessThanOrEqual(slow.x + slow.width + 1);
  }
  // On the per-request axis, both fill their own rows: no overlap to see.
  await page.getByRole('checkbox', { name: 'Waterfall' }).uncheck();
  await expect(page.getByRole('region', { name: 'Waterfall' })).toBeHidden();
  await expect(rows(page).locator('.bars .extent')).toHaveCount(0);
});

test('a scrypt login\'s small steps stay readable on the strip, labelled with their measured durations', async ({ labPage: page }) => {
  test.setTimeout(120_000); // two axe runs: it ran past 60 s beside two CPU hogs
  await logIn(page, { mechanism: 'session' });
  await waterfallOn(page);
  await expect(page.locator('#waterfall-scale')).toContainText('One time axis, linear in ms; idle over 1 s is cut');
  await expect(page.locator('#waterfall-scale')).toContainText('each step at least 64 px wide, spare width by duration; labels are measured durations');
  await rows(page, 'POST /api/session/login').click();
  await expect(page.locator('#details-body tr[data-step="appcontext_popped"]')).toHaveCount(1);
  const strip = page.getByRole('region', { name: /^Steps of POST \/api\/session\/login/ });
  await expect(strip.locator('li')).toHaveCount(await page.locator('#details-body tr[data-step]').count());

  // The labels are the durations the details table gives (the trace's own numbers).
  const took = await page.locator('#details-body tr[data-step]').evaluateAll((trs) => trs.map((tr) => [tr.dataset.step, tr.children[4].textContent]));
  const labelled = await strip.locator('li').evaluateAll((lis) => lis.map((li) => [li.dataset.step, li.querySelector('.strip-ms').textContent]));
  expect(labelled).toEqual(took);

  // scrypt makes the view long; every step, however small, is still at least 64 px wide.
  const widths = await strip.locator('li').evaluateAll((lis) => lis.map((li) => li.getBoundingClientRect().width));
  expect(Math.min(...widths)).toBeGreaterThanOrEqual(63.5);
  const ms = (text) => (text.endsWith(' s') ? parseFloat(text) * 1000 : parseFloat(text));
  const view = took.find(([name]) => name === 'view');
  const smallest = Math.min(...took.map(([, t]) => ms(t)));
  expect(ms(view[1]), 'the scrypt check makes the view long').toBeGreaterThan(20);
  expect(ms(view[1]) / smallest, 'steps a hundred times apart').toBeGreaterThan(100);
  // More steps than fit at this width: the strip scrolls, no step is squeezed.
  expect(await strip.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  // On a wall-sized screen they fit: the spare width goes by duration, so to the scrypt view.
  await page.setViewportSize({ width: 3200, height: 900 });
  await expect.poll(() => strip.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  const spare = await strip.locator('li').evaluateAll((lis) => lis.map((li) => [li.dataset.step, li.getBoundingClientRect().width]));
  const widest = spare.reduce((a, b) => (b[1] > a[1] ? b : a));
  expect(widest[0]).toBe('view');
  expect(widest[1]).toBeGreaterThan(200);
  expect(Math.min(...spare.map(([, w]) => w))).toBeGreaterThanOrEqual(63.5);
  await page.setViewportSize({ width: 1440, height: 900 });

  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await expectNoAxeViolations(page, '.timeline-panel');
  }
});

test('by keyboard: the toggle, the rows and the strip', async ({ labPage: page }) => {
  await page.getByRole('button', { name: 'abort(500)', exact: true }).click();
  await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await expect(rows(page, 'GET /api/error/404')).toHaveCount(1);
  await page.getByRole('checkbox', { name: 'Waterfall' }).focus();
  await page.keyboard.press('Space');
  await expect(page.getByRole('region', { name: 'Waterfall' })).toBeVisible();
  await page.getByLabel('Filter text').fill('path:/api/error');
  await expect(rows(page)).toHaveCount(2);
  await page.locator('#timeline-list').focus();
  await page.keyboard.press('End');
  await expect(page.getByRole('region', { name: /^Steps of GET \/api\/error\/404/ })).toBeVisible();
  await page.keyboard.press('ArrowUp');
  await expect(page.getByRole('region', { name: /^Steps of GET \/api\/error\/500/ })).toBeVisible();
  // The strip, just above the list, is a focusable region: it scrolls by keyboard.
  await page.keyboard.press('Shift+Tab');
  await expect(page.getByRole('region', { name: /^Steps of GET \/api\/error\/500/ })).toBeFocused();
});

test.describe('phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('the waterfall fits the width; the strip scrolls inside itself', async ({ labPage: page }) => {
    await logIn(page, { mechanism: 'session' });
    await page.getByRole('checkbox', { name: 'Waterfall' }).scrollIntoViewIfNeeded();
    await waterfallOn(page);
    await rows(page, 'POST /api/session/login').click();
    const strip = page.getByRole('region', { name: /^Steps of POST/ });
    await expect(strip.locator('li').first()).toBeVisible();
    expect(await strip.evaluate((el) => el.scrollWidth > el.clientWidth), 'more steps than fit: it scrolls').toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectNoAxeViolations(page, '.timeline-panel');
  });
});
