import http from 'node:http';
import { test, expect, rows, openRequest } from './fixtures.js';

/**
 * A request the test holds open: PUT /api/me sent with all its headers but part of its
 * body, so its view waits for the rest (a slow upload) until `release()` sends it.
 */
function heldUpload(baseURL, lab) {
  const body = Buffer.from(JSON.stringify({ name: 'slow uploader' }));
  const req = http.request(new URL('/api/me', baseURL), {
    method: 'PUT',
    headers: { 'X-Lab-Id': lab.id, 'X-Client-Id': 'slow-uploader', 'Content-Type': 'application/json', 'Content-Length': body.length },
  });
  const answered = new Promise((resolve, reject) => {
    req.on('response', (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
  });
  req.write(body.subarray(0, 5));
  return { release: () => { req.end(body.subarray(5)); return answered; } };
}

test('a slow request visibly progresses, then completes', async ({ labPage: page, lab, baseURL }) => {
  // The details pane loads on first use: loaded before the slow request starts.
  await rows(page).first().click();
  await expect(page.locator('#details-body .status-badge')).toBeVisible();
  // Running until the test has seen it running, however busy the machine is.
  const upload = heldUpload(baseURL, lab);
  const row = rows(page, 'PUT /api/me');
  await expect(row).toContainText('pending');
  await expect(row.locator('.bars')).toHaveClass(/running/);
  await row.click();
  await expect(page.locator('#details-body .status-badge')).toHaveText('pending…');
  await expect(page.locator('#details-body tr[data-step="before_request"]').first()).toBeVisible();
  const heldFrom = Date.now(); // the view, which reads the body, began before this
  expect(await upload.release()).toBe(200);
  const held = (Date.now() - heldFrom) / 1000;
  await expect(row).toContainText('200');
  await expect(page.locator('#details-body .status-badge')).toContainText('200 OK');
  // The view's measured time covers the wait for the rest of the body.
  const took = await page.locator('#details-body tr[data-step="view"] td.num').nth(2).textContent();
  const seconds = took.endsWith(' s') ? parseFloat(took) : parseFloat(took) / 1000;
  expect(seconds).toBeGreaterThanOrEqual(held);
});

test('filter by text and status, hide page reads, then clear the log for every viewer', async ({ labPage: page, otherPage: other }) => {
  await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await page.getByRole('button', { name: 'abort(403)', exact: true }).click();
  await expect(rows(page, 'GET /api/error/403')).toHaveCount(1);

  await page.getByLabel('Filter text').fill('error/404');
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText('/api/error/404');
  await page.getByLabel('Filter text').fill('');

  await page.getByLabel('Status').selectOption('4xx');
  await expect(rows(page, '/api/state')).toHaveCount(0);
  await expect(rows(page, '/api/error/')).toHaveCount(2);
  await page.getByLabel('Status').selectOption('all');

  // Hidden by default: the page's own reads, but for the lab's first request (its GET /
  // load), on which the emulated before_first_request ran.
  await expect(page.getByLabel('Hide page reads')).toBeChecked();
  await expect(rows(page, 'GET /api/state')).toHaveCount(0);
  await expect(rows(page, 'GET /?lab=')).toHaveCount(1);
  await expect(rows(page, 'GET /?lab=').locator('.bar[title^="before_first_request"]')).toHaveCount(1);
  await page.getByLabel('Hide page reads').uncheck();
  await expect(rows(page, 'GET /api/state').first()).toBeVisible();
  await expect(rows(page, 'GET /?lab=').first()).toBeVisible();

  await expect(rows(other, 'GET /api/error/403')).toHaveCount(1);
  page.once('dialog', (dialog) => dialog.accept()); // Clear for all asks first
  await page.getByRole('button', { name: 'Clear for all' }).click();
  await expect(rows(page)).toHaveCount(0);
  await expect(rows(other)).toHaveCount(0);
  await expect(page.locator('#timeline-empty')).toBeVisible();
});

test('thousands of events stay smooth: the list renders only what is visible', async ({ labPage: page, lab, request }) => {
  const headers = { 'X-Lab-Id': lab.id, 'X-Client-Id': 'load-generator' };
  const batch = (n) => Promise.all(Array.from({ length: n }, () => request.get('/api/error/404', { headers })));
  for (let i = 0; i < 10; i += 1) await batch(30);
  await expect(page.locator('#timeline-count')).toHaveText(/^(\d+ of )?30\d requests$/, { timeout: 15_000 });
  const events = await page.evaluate(() => Number(window.statelab.lastEventId));
  expect(events).toBeGreaterThan(3000);

  // Virtualised: a few dozen rows in the DOM, not hundreds.
  expect(await rows(page).count()).toBeLessThan(60);
  // Still responsive: selecting and scrolling are immediate.
  const list = page.locator('#timeline-list');
  await list.focus();
  await page.keyboard.press('Home');
  await expect(rows(page).first()).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  await openRequest(page, 'GET /api/error/404');
  await expect(page.locator('#details-body tr[data-step="errorhandler"]')).toHaveCount(1);
});
