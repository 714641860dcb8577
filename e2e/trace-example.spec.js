// The StateLabTrace page on another app: examples/notes, started here (the config's
// webServer is the playground), traced with its two lines, watched at /_statelab/.
import { test as base, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, deadline) {
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer in time`);
}

const test = base.extend({
  // One notes app per worker: `flask run` without --debug (no debugger), the trace on
  // through its config flag. Stopped by its pid when the worker ends.
  notes: [async ({}, use) => {
    const port = await freePort();
    const root = path.resolve('examples/notes');
    const server = spawn(path.resolve('.venv/bin/python'), ['-m', 'flask', '--app', 'notes', 'run', '--port', String(port), '--no-reload'], {
      cwd: root,
      env: { ...process.env, FLASK_STATELAB_TRACE_ENABLED: 'true', PYTHONPATH: root },
      stdio: 'ignore',
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${base}/_statelab/api/log`, Date.now() + 20_000);
      await use(base);
    } finally {
      server.kill('SIGTERM');
    }
  }, { scope: 'worker' }],
});

test('the notes app\'s timeline page shows a request\'s steps and their output', async ({ page, notes }, testInfo) => {
  test.setTimeout(90_000); // an axe pass and four screenshots on a busy 2-core machine
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${notes}/_statelab/`);
  await expect(page.getByRole('complementary', { name: 'Cookies exposed' })).toContainText('This page exposes cookies');
  await expect(page.locator('#connection')).toHaveAttribute('data-state', 'live');

  // The app is used by someone else (here: Playwright's own HTTP client, its own cookies).
  const login = await page.request.post(`${notes}/auth/login`, { data: { username: 'ann' } });
  expect(login.status()).toBe(200);
  expect((await page.request.get(`${notes}/notes/`)).status()).toBe(200);

  const row = page.locator('#timeline-list [role="option"]').filter({ hasText: '/notes/' }).last();
  await expect(row).toContainText('200');
  await row.click();
  // The pane is drawn once its module has loaded: wait for its last step before reading.
  await expect(page.locator('#details-body tr[data-step="appcontext_popped"]')).toHaveCount(1);
  const steps = await page.locator('#details-body tr[data-step]').evaluateAll((trs) => trs.map((tr) => tr.dataset.step));
  const order = ['open_session', 'request_started', 'before_request', 'view', 'after_this_request', 'after_request', 'save_session', 'teardown_request'];
  const positions = order.map((name) => steps.indexOf(name));
  expect(positions.every((p) => p >= 0), steps.join(', ')).toBe(true);
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
  await expect(page.locator('#details-body section[aria-label="Cookie header sent"]')).toContainText('session');
  await expect(page.locator('#details-body section[aria-label="Session before"]')).toContainText('"user": "ann"');
  // What each step printed or logged, under its step (details.js's output rows).
  const output = page.locator('#details-body tr.output-row');
  await expect(output.filter({ hasText: 'notes after_this_request' })).toHaveCount(1);
  await expect(output.filter({ hasText: 'WARNING notes.notes: listing 2 notes for ann' })).toHaveCount(1);
  // Registered, not run: the auth blueprint's own after_request is not for a notes view.
  const notRun = page.locator('#details-body section[aria-label="Registered, not run"]');
  await expect(notRun.locator('tr', { hasText: 'notes.auth.auth_after' })).toContainText("another blueprint's hook (auth): this request's view is in notes");
  await expect(notRun).not.toContainText('notes.notes.require_user'); // it ran
  await notRun.scrollIntoViewIfNeeded();
  await notRun.screenshot({ path: testInfo.outputPath('trace-not-run.png') });


  // The wire, as on the lab's page (wire.js): headers both ways, bodies, Set-Cookie.
  const wire = (key) => page.locator(`#details-body details.wire[data-wire="${key}"]`);
  const open = async (key) => {
    if (!(await wire(key).evaluate((el) => el.open))) await wire(key).locator('summary').click();
    return wire(key);
  };
  await expect(await open('request-headers')).toContainText('Cookie');
  await expect(await open('response-headers')).toContainText('X-Note-Count');
  await expect((await open('response-body')).locator('pre')).toContainText('"Buy milk"');
  await page.locator('#timeline-list [role="option"]').filter({ hasText: '/auth/login' }).last().click();
  await expect((await open('request-body')).locator('pre')).toContainText('"username": "ann"');
  const session = (await open('set-cookie')).locator('tr[data-cookie="session"]');
  await expect(session.locator('td').nth(6)).toHaveText('✓'); // HttpOnly: Flask's default

  // A request that raised: Flask's logged traceback, and Werkzeug's 500 page as sent.
  expect((await page.request.get(`${notes}/notes/broken`)).status()).toBe(500);
  await page.locator('#timeline-list [role="option"]').filter({ hasText: '/notes/broken' }).last().click();
  await expect(wire('traceback')).toHaveAttribute('open', '');
  await expect(wire('traceback').locator('pre')).toContainText('ZeroDivisionError: division by zero');
  // The headline: the exception, the app's own frame first, Flask's folded, the tracer's never.
  const headline = page.locator('#details-body section[aria-label="Traceback headline"]');
  await expect(headline.locator('h3')).toContainText('ZeroDivisionError: division by zero');
  await expect(headline.locator('ol.frames').first().locator('li').first()).toContainText('notes.py');
  await expect(headline.locator('details.library-frames')).not.toHaveAttribute('open', '');
  await expect(headline.locator('details.library-frames summary')).toContainText('frames of Flask and other libraries');
  for (const shown of [headline, wire('traceback')]) await expect(shown).not.toContainText('statelab_trace');
  await expect((await open('response-body')).locator('pre')).toContainText('<title>500 Internal Server Error</title>');
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);

  await page.screenshot({ path: testInfo.outputPath('trace-desktop.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: testInfo.outputPath('trace-desktop-dark.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: testInfo.outputPath('trace-phone-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: testInfo.outputPath('trace-phone.png'), fullPage: true });
  expect(errors, 'uncaught errors in the page').toEqual([]);
});


test('the trace page\'s timeline tools: filter, sort, waterfall, curl, replay, export and import', async ({ page, notes, context }, testInfo) => {
  test.setTimeout(90_000); // downloads, a replay and an axe pass on a busy 2-core machine
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${notes}/_statelab/`);
  await expect(page.locator('#connection')).toHaveAttribute('data-state', 'live');
  await page.locator('#clear-log').click();
  const rows = page.locator('#timeline-list [role="option"]');
  await expect(rows).toHaveCount(0);
  expect((await page.request.post(`${notes}/auth/login`, { data: { username: 'bea' } })).status()).toBe(200);
  expect((await page.request.get(`${notes}/notes/2`)).status()).toBe(200);
  expect((await page.request.get(`${notes}/notes/broken`)).status()).toBe(500);
  await expect(rows).toHaveCount(3);

  // The filter syntax (filter.js) and sorting by a column (timeline-tools.js).
  await page.locator('#filter-text').fill('status:500');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('/notes/broken');
  await page.locator('#filter-text').fill('-path:/notes/broken method:GET');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('/notes/2');
  await page.locator('#filter-text').fill('');
  await expect(rows).toHaveCount(3);
  const status = page.locator('.timeline-head [data-sort="status"]');
  const top = page.locator('#timeline-list [role="option"][aria-posinset="1"]'); // rows are reused: order by position
  await status.click();
  await expect(status).toHaveAttribute('aria-pressed', 'true');
  await expect(top).toContainText('200');
  await status.click();
  await expect(top).toContainText('500');
  await status.click();
  await expect(top).toContainText('/auth/login');

  // The waterfall (waterfall.js): every request on one shared time axis.
  await page.locator('#waterfall-toggle').check();
  await expect(page.locator('#waterfall-scale')).toContainText('One time axis');
  await page.screenshot({ path: testInfo.outputPath('trace-waterfall.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: testInfo.outputPath('trace-waterfall-phone.png') });
  await page.setViewportSize({ width: 1440, height: 900 });

  // Copy as curl: the command reproduces the request (its cookie included), from a shell.
  await rows.filter({ hasText: '/notes/2' }).click();
  await page.getByRole('button', { name: 'Copy as curl' }).click();
  await expect(page.locator('#toast')).toContainText('Copied as curl (with the Cookie header)');
  const command = await page.evaluate(() => navigator.clipboard.readText());
  expect(command).toMatch(/^curl .* -X GET '.*\/notes\/2'/);
  expect(command).toContain('Cookie: session=');
  expect(command).not.toContain('X-Lab-Id');

  // Replay: the same request again, from this browser, traced like any other.
  await page.getByRole('button', { name: 'Replay' }).click();
  await expect(page.locator('#toast')).toContainText('Replayed GET /notes/2: HTTP 200');
  await expect(rows.filter({ hasText: '/notes/2' })).toHaveCount(2);

  // HAR and JSON export, and the JSON imported back (read-only).
  const [har] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export HAR' }).click()]);
  const harLog = JSON.parse(await readFile(await har.path(), 'utf8')).log;
  expect(harLog.version).toBe('1.2');
  expect(harLog.entries.map((e) => new URL(e.request.url).pathname)).toEqual(['/auth/login', '/notes/2', '/notes/broken', '/notes/2']);
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  expect(json.suggestedFilename()).toBe('statelab-trace.json');
  const file = testInfo.outputPath('trace.json');
  await writeFile(file, await readFile(await json.path()));
  await page.locator('#clear-log').click();
  await expect(rows).toHaveCount(0);
  await page.locator('#import-file').setInputFiles(file);
  await expect(page.locator('#imported-note')).toContainText('4 requests');
  await expect(rows).toHaveCount(4);
  await rows.filter({ hasText: '/notes/broken' }).click();
  await expect(page.locator('#details-body section[aria-label="Traceback headline"]')).toContainText('ZeroDivisionError');
  await expect(page.getByRole('button', { name: 'Replay' }), 'an imported request is read-only').toHaveCount(0);
  await page.getByRole('button', { name: 'Back to the live log' }).click();
  await expect(rows).toHaveCount(0);

  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
  expect(errors, 'uncaught errors in the page').toEqual([]);
});
