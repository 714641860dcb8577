// The StateLabTrace page on another app: examples/notes, started here (the config's
// webServer is the playground), traced with its two lines, watched at /_statelab/.
import { test as base, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { spawn } from 'node:child_process';
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
  const steps = await page.locator('#details-body tr[data-step]').evaluateAll((trs) => trs.map((tr) => tr.dataset.step));
  const order = ['open_session', 'request_started', 'before_request', 'view', 'after_this_request', 'after_request', 'save_session', 'teardown_request'];
  const positions = order.map((name) => steps.indexOf(name));
  expect(positions.every((p) => p >= 0), steps.join(', ')).toBe(true);
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
  await expect(page.locator('#details-body section[aria-label="Cookie header sent"]')).toContainText('session');
  await expect(page.getByRole('button', { name: 'Replay' }), 'no action this page cannot do').toHaveCount(0);
  await expect(page.locator('#details-body section[aria-label="Session before"]')).toContainText('"user": "ann"');
  const output = page.locator('#details-body section[aria-label="Output"]');
  await expect(output).toContainText('notes after_this_request');
  await expect(output).toContainText('WARNING notes.notes: listing 2 notes for ann');


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
