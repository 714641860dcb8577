// The filter syntax (status:, method:, hook:, -path:, free text in headers and
// cookies, /regex/) on the live timeline.
import { test, expect, logIn, rows, showPageReads, expectNoAxeViolations } from './fixtures.js';

async function filterBy(page, text) {
  await page.getByLabel('Filter text').fill(text);
}


test('each filter form narrows the timeline', async ({ labPage: page }) => {
  test.setTimeout(60_000); // eleven filters and an axe pass on a busy 2-core machine
  await showPageReads(page); // the query syntax is tried on the page's own reads too
  await logIn(page);
  await page.getByRole('button', { name: 'abort(500)', exact: true }).click();
  await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
  await expect(rows(page, 'GET /api/error/exception')).toHaveCount(1);
  await expect(rows(page, 'GET /api/error/exception')).toContainText('500');

  await filterBy(page, 'status:500');
  await expect(rows(page)).toHaveCount(2);
  await filterBy(page, 'hook:got_request_exception');
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText('/api/error/exception');
  await filterBy(page, 'method:POST');
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText('/api/cookie/login');
  await filterBy(page, '-path:/api/state -path:/api/comments -path:/api/labs -path:/api/error');
  await expect(rows(page)).toHaveCount(2); // the login, and the page's own GET /
  await expect(rows(page, 'POST /api/cookie/login')).toHaveCount(1);
  await filterBy(page, 'status:500 -hook:got_request_exception');
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText('/api/error/500');

  // "Tom" and "username": in the Cookie header of every request after the login.
  await filterBy(page, 'username');
  await expect(rows(page, 'GET /api/state').first()).toBeVisible();
  await filterBy(page, 'Tom -path:/api/state');
  await expect(rows(page, '/api/error/exception')).toHaveCount(1);

  await filterBy(page, '/error\\/(500|exception)$/m');
  await expect(rows(page)).toHaveCount(2);
  await filterBy(page, '/(/');
  await expect(page.getByRole('alert').filter({ hasText: 'not a valid regex' })).toBeVisible();
  await expect(page.getByLabel('Filter text')).toHaveAttribute('aria-invalid', 'true');
  await expectNoAxeViolations(page, '.timeline-panel');
});

test('free text matches response headers and Set-Cookie attributes', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'session' });
  await filterBy(page, 'Vary: Cookie');
  await expect(rows(page, 'POST /api/session/login')).toHaveCount(1);
  await filterBy(page, '"HttpOnly" method:POST');
  await expect(rows(page)).toHaveCount(1);
});

test('click a column to sort: ascending, descending, then arrival order again', async ({ labPage: page }) => {
  test.setTimeout(60_000); // an axe pass on a busy 2-core machine
  await page.getByRole('button', { name: 'abort(500)', exact: true }).click();
  await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await expect(rows(page, 'GET /api/error/404')).toHaveCount(1);
  await page.getByLabel('Filter text').fill('path:/api/error');
  // In the order shown: rows are positioned (aria-posinset), not re-ordered in the DOM.
  const shown = (cell) => rows(page).evaluateAll((els, sel) => els
    .sort((a, b) => a.getAttribute('aria-posinset') - b.getAttribute('aria-posinset'))
    .map((el) => el.querySelector(sel).textContent), cell);
  const statuses = () => shown('.cell.status');
  await expect.poll(statuses).toEqual(['500', '404']);
  const sort = page.getByRole('group', { name: 'Sort requests by' }).getByRole('button', { name: 'Status' });
  await sort.click();
  await expect(sort).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(statuses).toEqual(['404', '500']);
  await sort.click();
  await expect.poll(statuses).toEqual(['500', '404']);
  await sort.click();
  await expect(sort).toHaveAttribute('aria-pressed', 'false');
  await page.getByRole('group', { name: 'Sort requests by' }).getByRole('button', { name: 'Request' }).click();
  await expect.poll(() => shown('.path')).toEqual(['/api/error/404', '/api/error/500']);
  await expectNoAxeViolations(page, '.timeline-panel');
});
