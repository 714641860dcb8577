import { test, expect, openRequest, stepNames, expectOrder, stepNote, lastResponse, rows, logIn, serverUser, showPageReads } from './fixtures.js';

// Flask 3.1's order for a handled error: before_request, the view, the error handler,
// after_request (reverse order), the session saved, teardown.
const HANDLED = ['request_started', 'before_request', 'view', 'errorhandler', 'after_request',
  'save_session', 'request_finished', 'teardown_request', 'request_tearing_down', 'appcontext_tearing_down'];

async function trigger(page, button, path) {
  await page.getByRole('button', { name: button, exact: true }).click();
  await openRequest(page, path);
  return stepNames(page);
}

for (const [code, button] of [['500', 'abort(500)'], ['404', 'abort(404)'], ['403', 'abort(403)']]) {
  test(`abort(${code}): the handler runs, no got_request_exception, teardown gets None`, async ({ labPage: page }) => {
    const steps = await trigger(page, button, `GET /api/error/${code}`);
    await expect(page.locator('#details-body .status-badge')).toContainText(code);
    expectOrder(steps, HANDLED);
    expect(steps).not.toContain('got_request_exception');
    expect(steps.indexOf('open_session')).toBeLessThan(steps.indexOf('request_started'));
    await expect(stepNote(page, 'teardown_request').first()).toContainText('received None');
    await expect(stepNote(page, 'errorhandler').first()).toContainText(`handler for ${code}`);
  });
}

test('a raised exception: got_request_exception, the 500 handler, teardown gets the ZeroDivisionError', async ({ labPage: page }) => {
  const steps = await trigger(page, 'Raise ZeroDivisionError', 'GET /api/error/exception');
  await expect(page.locator('#details-body .status-badge')).toContainText('500');
  expectOrder(steps, ['before_request', 'view', 'got_request_exception', 'errorhandler', 'after_request',
    'teardown_request', 'request_tearing_down', 'appcontext_tearing_down']);
  await expect(page.locator('#details-body tr[data-step="got_request_exception"]')).toHaveClass(/err/);
  await expect(stepNote(page, 'got_request_exception')).toContainText('ZeroDivisionError');
  await expect(stepNote(page, 'errorhandler').first()).toContainText('original_exception ZeroDivisionError');
  await expect(stepNote(page, 'teardown_request').first()).toContainText('received ZeroDivisionError: division by zero');
  await expect(stepNote(page, 'appcontext_tearing_down').first()).toContainText('ZeroDivisionError');
  await expect(rows(page, 'GET /api/error/exception')).toHaveClass(/has-error/);
});

test('abort inside login: the handler answers and no session is stored', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'session', username: 'Tom' });
  await expect(serverUser(page, 'session')).toHaveText('Tom');
  const steps = await trigger(page, 'abort(500) in login', '/api/error/login-abort');
  expectOrder(steps, ['before_request', 'view', 'errorhandler', 'after_request', 'teardown_request']);
  expect(steps).not.toContain('got_request_exception');
  // The view would have written Liu Bei after abort(): that line never ran, so the
  // response sets no cookie and the browser's session still says Tom.
  await expect(page.locator('#details-body')).toContainText('None: the browser keeps its cookies as they were.');
  await expect(serverUser(page, 'session')).toHaveText('Tom');
});

test('custom handlers off: Werkzeug\'s default HTML page; on again: JSON', async ({ labPage: page }) => {
  await page.getByRole('switch', { name: 'Custom error handlers' }).uncheck();
  await expect(rows(page, 'PUT /api/lab/settings')).toHaveCount(1);
  await expect(page.getByRole('switch', { name: 'Custom error handlers' })).not.toBeChecked();

  await page.getByRole('button', { name: 'abort(404)' }).click();
  await expect(lastResponse(page)).toContainText('404');
  await expect(lastResponse(page)).toContainText('Werkzeug\'s default error page');
  await expect(lastResponse(page).locator('pre')).toContainText('<!doctype html>');
  await openRequest(page, 'GET /api/error/404');
  const steps = await stepNames(page);
  expectOrder(steps, ['before_request', 'view', 'after_request', 'teardown_request']);
  // The handlers are really absent: no errorhandler step claims to have run.
  expect(steps).not.toContain('errorhandler');

  // abort(500) with no handler: the log keeps Werkzeug's own page, as sent (was "none").
  await page.getByRole('button', { name: 'abort(500)', exact: true }).click();
  await openRequest(page, 'GET /api/error/500');
  const body = page.locator('#details-body details.wire[data-wire="response-body"]');
  await expect(body.locator('summary')).toHaveText(/^Response body \(text\/html; charset=utf-8, \d+ bytes\)$/);
  await body.locator('summary').click();
  await expect(body.locator('pre')).toContainText('<title>500 Internal Server Error</title>');
  await expect(body.locator('pre')).toContainText('The server encountered an internal error');

  await page.getByRole('switch', { name: 'Custom error handlers' }).check();
  await expect(rows(page, 'PUT /api/lab/settings')).toHaveCount(2);
  await page.getByRole('button', { name: 'abort(404)' }).click();
  await expect(lastResponse(page).locator('pre')).toContainText('"error": "not_found"');
});

test('short-circuit: before_request answers and the view is skipped', async ({ labPage: page }) => {
  await page.getByRole('switch', { name: 'Short-circuit in before_request' }).check();
  await expect(rows(page, 'PUT /api/lab/settings')).toHaveCount(1);
  await page.getByRole('button', { name: 'abort(500)', exact: true }).click();
  await expect(lastResponse(page)).toContainText('Answered by before_request; the view did not run');
  await openRequest(page, 'GET /api/error/500');
  await expect(page.locator('#details-body .status-badge')).toContainText('200');
  const steps = await stepNames(page);
  expect(steps).not.toContain('view');
  expect(steps).not.toContain('errorhandler');
  expectOrder(steps, ['before_request', 'after_request', 'teardown_request']);
  await expect(page.locator('#details-body tr.note-row').filter({ hasText: 'returned a response' })).toHaveCount(1);
  // Lab settings stay reachable so the switch can be turned off again.
  await page.getByRole('switch', { name: 'Short-circuit in before_request' }).uncheck();
  await expect(page.getByRole('switch', { name: 'Short-circuit in before_request' })).not.toBeChecked();
});

test('the row itself tells a raised exception from abort(500)', async ({ labPage: page }) => {
  await page.getByRole('button', { name: 'abort(500)', exact: true }).click();
  await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
  await expect(rows(page, 'GET /api/error/exception').locator('.err-kind')).toHaveText('raised');
  await expect(rows(page, 'GET /api/error/500').locator('.err-kind')).toHaveText('abort');
  await showPageReads(page);
  await expect(rows(page, 'GET /api/state').first().locator('.err-kind')).toHaveCount(0);
});
