// PROPAGATE_EXCEPTIONS, the switch debug and testing mode turn on, measured.
import { test, expect, openLesson, openRequest, serverUser, stepNames, stepNote, rows } from './fixtures.js';

const cell = (page, row, col) => page.locator(`#propagate-table tr[data-row="${row}"] td[data-col="${col}"]`);

test('abort(500) and a raise, switch off and on, side by side', async ({ labPage: page }) => {
  await openLesson(page, 'The propagate switch');
  await page.getByRole('button', { name: 'Compare: abort(500) and a raise, switch off and on' }).click();
  await expect(page.locator('#propagate-table')).toBeVisible({ timeout: 20_000 });

  for (const col of ['500-off', 'exception-off', '500-on']) {
    for (const row of ['errorhandler', 'after_request', 'save_session', 'request_finished']) {
      await expect(cell(page, row, col), `${row} ${col}`).toHaveText('yes');
    }
    await expect(cell(page, 'propagated', col)).toHaveText('no');
  }
  for (const row of ['errorhandler', 'after_request', 'save_session', 'request_finished']) {
    await expect(cell(page, row, 'exception-on'), row).toHaveText('no');
  }
  await expect(cell(page, 'propagated', 'exception-on')).toHaveText('yes');
  await expect(cell(page, 'got_request_exception', 'exception-on')).toHaveText('yes');
  await expect(cell(page, 'got_request_exception', '500-on')).toHaveText('no');
  await expect(cell(page, 'teardown', 'exception-on')).toHaveText('ZeroDivisionError');
  await expect(cell(page, 'teardown', '500-on')).toHaveText('None');
  await expect(cell(page, 'status', 'exception-on')).toHaveText('500');
  // The lesson puts the switch back as it found it.
  await expect(page.getByRole('switch', { name: 'PROPAGATE_EXCEPTIONS in this lab' })).not.toBeChecked();

  // The timeline of the propagated raise: re-raised after got_request_exception, teardown still ran.
  await openRequest(page, 'GET /api/error/exception');
  const steps = await stepNames(page);
  for (const gone of ['errorhandler', 'after_request', 'save_session', 'request_finished']) expect(steps).not.toContain(gone);
  await expect(stepNote(page, 'teardown_request').first()).toContainText('received ZeroDivisionError');
  await expect(page.locator('#details-body .alert').first()).toContainText('Unhandled: Flask re-raised ZeroDivisionError');
  await expect(page.locator('#details-body .alert').first()).toContainText("the app's WSGI catch wrote Werkzeug's plain 500 page");
  await expect(rows(page, 'GET /api/error/exception')).toHaveCount(2);
});

test('a login that crashes keeps its session only when Flask does not propagate', async ({ labPage: page }) => {
  const lesson = await openLesson(page, 'The propagate switch');
  const finding = lesson.getByTestId('crash-finding');

  await page.getByRole('button', { name: 'Log in, then crash' }).click();
  await expect(finding).toContainText('PROPAGATE_EXCEPTIONS off: save_session ran');
  await expect(finding).toContainText('The signed session now says: Liu Bei.');
  await expect(serverUser(page, 'session')).toHaveText('Liu Bei');

  await page.getByRole('button', { name: 'Clear session' }).click();
  await expect(serverUser(page, 'session')).toHaveText('nobody');
  await page.getByRole('switch', { name: 'PROPAGATE_EXCEPTIONS in this lab' }).check();
  await expect(rows(page, 'PUT /api/lab/settings')).toHaveCount(1);
  await page.getByRole('button', { name: 'Log in, then crash' }).click();
  await expect(finding).toContainText('PROPAGATE_EXCEPTIONS on: no save_session step');
  await expect(finding).toContainText('The signed session now says: nobody.');
  await expect(serverUser(page, 'session')).toHaveText('nobody');
  await openRequest(page, 'POST /api/error/login-crash');
  await expect(page.locator('#details-body')).toContainText('Not saved (no save_session step).');
  await expect(stepNote(page, 'teardown_request').first()).toContainText('received RuntimeError');
});
