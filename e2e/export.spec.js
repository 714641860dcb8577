// Copy a request as curl (the copied command, run with curl, gets the same
// status), export the lab's log as HAR 1.2 (valid by the HAR JSON schema, every request
// of the lab in it, steps in _steps) and as JSON, and replay a request from the details panel.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import harValidator from 'har-validator';
import { test, expect, logIn, openRequest, rows, expectNoAxeViolations } from './fixtures.js';

const run = promisify(execFile);

test('copy as curl: the command, run with curl, reproduces the status', async ({ labPage: page, context }) => {
  test.setTimeout(60_000); // a login, a curl run and an axe pass on a busy 2-core machine
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await logIn(page, { mechanism: 'session' });
  await page.getByRole('button', { name: 'abort(403)', exact: true }).click();
  await openRequest(page, 'GET /api/error/403');
  await page.getByRole('button', { name: 'Copy as curl' }).click();
  await expect(page.locator('#toast')).toContainText('Copied as curl');
  const command = await page.evaluate(() => navigator.clipboard.readText());
  expect(command).toMatch(/^curl .* -X GET '.*\/api\/error\/403'/);
  expect(command).toContain('X-Lab-Id: ');
  expect(command).toContain('Cookie: session=');
  // The raw client id is a bearer credential (frontend/shareable.js): never copied.
  expect(command).not.toContain(await page.evaluate(() => window.statelab.client));
  expect(command).not.toMatch(/X-Client-Id/i);
  const { stdout } = await run('sh', ['-c', `${command} -o /dev/null -w '%{http_code}'`], { timeout: 10_000 });
  expect(stdout).toBe('403');
  // The curl request is in the lab's timeline too: it carried the lab header.
  await expect(rows(page, 'GET /api/error/403')).toHaveCount(2);
  await expectNoAxeViolations(page, '.timeline-panel', '#toast');
});

test('export HAR 1.2 with every request of the lab, and JSON', async ({ labPage: page }) => {
  await logIn(page);
  await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
  await expect(rows(page, 'GET /api/error/exception')).toHaveCount(1);
  await expect(rows(page, 'GET /api/error/exception')).toContainText('500');
  const shown = await rows(page).count();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export HAR' }).click()]);
  expect(download.suggestedFilename()).toMatch(/\.har$/);
  const har = JSON.parse(await readFile(await download.path(), 'utf8'));
  expect(har.log.version).toBe('1.2');
  await harValidator.har(har); // the HAR 1.2 JSON schema: rejects with its errors
  expect(har.log.creator.name).toBe('Flask State Lab');
  for (const e of har.log.entries) {
    expect(e.startedDateTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(typeof e.time).toBe('number');
    for (const key of ['method', 'url', 'httpVersion', 'cookies', 'headers', 'queryString', 'headersSize', 'bodySize']) expect(e.request).toHaveProperty(key);
    for (const key of ['status', 'statusText', 'httpVersion', 'cookies', 'headers', 'content', 'redirectURL', 'headersSize', 'bodySize']) expect(e.response).toHaveProperty(key);
    expect(e.timings).toHaveProperty('wait');
    expect(Array.isArray(e._steps)).toBe(true);
  }
  expect(har.log.entries.length).toBeGreaterThanOrEqual(shown);
  const urls = har.log.entries.map((e) => `${e.request.method} ${new URL(e.request.url).pathname}`);
  for (const text of await rows(page).locator('.cell.req').allTextContents()) {
    expect(urls).toContain(text.replace(/^(raised|abort)/, '').split('?')[0]);
  }
  const raised = har.log.entries.find((e) => e.request.url.endsWith('/api/error/exception'));
  expect(raised.response.status).toBe(500);
  expect(raised._steps.map((s) => s.name)).toContain('got_request_exception');

  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  const exported = JSON.parse(await readFile(await json.path(), 'utf8'));
  expect(exported.format).toBe('statelab-trace');
  expect(exported.traces.length).toBe(har.log.entries.length);
  // Shared files name this page by its public id, never its raw client id (a bearer credential).
  const { client, person } = await page.evaluate(() => window.statelab);
  for (const file of [har, exported]) expect(JSON.stringify(file)).not.toContain(client);
  expect(exported.traces.filter((t) => t.client === person).length).toBeGreaterThan(0);
  expect(har.log.entries.filter((e) => e._client === person).length).toBeGreaterThan(0);
});

test('replay re-sends the selected request', async ({ labPage: page }) => {
  await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await openRequest(page, 'GET /api/error/404');
  await page.getByRole('button', { name: 'Replay' }).click();
  await expect(rows(page, 'GET /api/error/404')).toHaveCount(2);
  await expect(page.locator('#last-request')).toContainText('GET /api/error/404 → 404');
});

test('export JSON, then import it: shown read-only and marked "not measured here"', async ({ labPage: page }) => {
  await page.getByRole('button', { name: 'abort(403)', exact: true }).click();
  await expect(rows(page, 'GET /api/error/403')).toHaveCount(1);
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  const file = await json.path();
  page.once('dialog', (dialog) => dialog.accept()); // Clear for all asks first
  await page.getByRole('button', { name: 'Clear for all' }).click();
  await expect(rows(page, 'GET /api/error/403')).toHaveCount(0);

  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import JSON' }).click()]);
  await chooser.setFiles(file);
  const note = page.locator('#imported-note');
  await expect(note).toBeVisible();
  await expect(note).toContainText('not measured here');
  await expect(rows(page, 'GET /api/error/403')).toHaveCount(1);
  await openRequest(page, 'GET /api/error/403');
  await expect(page.locator('#details-body')).toContainText('403 Forbidden');
  await expect(page.getByRole('button', { name: 'Replay' })).toHaveCount(0); // read-only
  await expectNoAxeViolations(page, '.timeline-panel');

  await page.getByRole('button', { name: 'Back to this lab\'s live log' }).click();
  await expect(note).toBeHidden();
  await expect(rows(page, 'GET /api/error/403')).toHaveCount(0);
});

test('a file that is not a trace is refused with a message', async ({ labPage: page }) => {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import JSON' }).click()]);
  await chooser.setFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
  await expect(page.locator('#toast')).toContainText('Not imported: Not a State Lab trace file');
  await expect(page.locator('#imported-note')).toBeHidden();
});
