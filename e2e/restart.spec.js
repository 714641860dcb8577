// A restart of the embedded default: open pages reconnect on their next retry to the
// SAME lab (made again on demand), the owner is still the owner, and the banner says
// what happened. The spec runs its own server (this test stops and starts it).
// How often a page retries (at most every second) is stream.test.js's to pin, on a fake
// clock; here: no page polls or waits out a refusal, and none of its requests fails once
// the server answers again. The time each page took is noted, not bounded.
// A page that comes back late, after the class's reads have pushed the new log past its
// last id, still tells the restart (by the log's epoch) and reads the new log from its start.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, rows } from './fixtures.js';

/**
 * A loopback port free now, below the kernel's ephemeral range: the server leaves it
 * while it restarts, and a port the kernel hands out could meanwhile become another
 * spec's outgoing connection's (the restarted server could then not listen).
 */
function freePort() {
  const script = `
    const net = require('net');
    const lowest = Number(require('fs').readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\\s+/)[0]);
    const tryPort = (left) => {
      const port = left > 0 ? 1024 + Math.floor(Math.random() * (lowest - 1024)) : 0;
      const s = net.createServer();
      s.once('error', () => tryPort(left - 1));
      s.listen(port, '127.0.0.1', () => { process.stdout.write(String(s.address().port)); s.close(); });
    };
    tryPort(lowest > 1024 ? 200 : 0);`;
  return execFileSync(process.execPath, ['-e', script]).toString().trim();
}

const port = freePort();
const base = `http://127.0.0.1:${port}`;
const instance = mkdtempSync(path.join(os.tmpdir(), 'statelab-e2e-restart-'));

async function startServer() {
  const server = spawn('.venv/bin/python', ['-m', 'statelab'], {
    env: { ...process.env, PORT: port, HOST: '127.0.0.1', STATELAB_INSTANCE_PATH: instance },
    stdio: 'ignore',
  });
  for (let i = 0; i < 300; i += 1) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  server.kill();
  throw new Error('the server did not start within 30 s');
}

/** Notes each connection state the page shows, with the page's clock (ms since 1970). */
async function recordStates(page) {
  await page.evaluate(() => {
    const connection = document.getElementById('connection');
    window.shownStates = [];
    window.leftStates = []; // each state shown, when the next replaced it (one callback may carry several)
    new MutationObserver((records) => {
      for (const record of records) window.leftStates.push(record.oldValue);
      window.shownStates.push([connection.dataset.state, Date.now()]);
    }).observe(connection, { attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
  });
}

/**
 * The page's requests that failed on the network or were answered with an error, each
 * with the time it was sent (ms since 1970). Not the ones the page itself aborts (it
 * aborts a stream it only probed).
 */
function failedRequests(page) {
  const failed = [];
  const note = (req, error) => failed.push({ url: req.url(), sent: req.timing().startTime, error });
  page.on('requestfailed', (req) => {
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') note(req, req.failure()?.errorText);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) note(res.request(), res.status());
  });
  return failed;
}

async function stopServer(server) {
  const exited = new Promise((done) => server.once('exit', done));
  server.kill('SIGTERM');
  await exited;
}

test.use({ baseURL: base });
test.afterAll(() => rmSync(instance, { recursive: true, force: true }));

test('after a restart, open pages reconnect on their next retry to the same lab, and say so', async ({ browser }) => {
  test.setTimeout(120_000);
  let server = await startServer();
  try {
    const owner = await (await browser.newContext()).newPage();
    await owner.goto('/');
    await expect(owner.locator('#connection')).toHaveAttribute('data-state', 'live');
    const lab = await owner.evaluate(() => window.statelab.lab);
    const pupils = await Promise.all([0, 1].map(async () => {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`/?lab=${lab}`);
      await expect(page.locator('#connection')).toHaveAttribute('data-state', 'live');
      return page;
    }));
    const pages = [owner, ...pupils];
    const late = await (await browser.newContext()).newPage();
    await late.goto(`/?lab=${lab}`);
    await expect(late.locator('#connection')).toHaveAttribute('data-state', 'live');
    await owner.getByRole('button', { name: 'abort(404)' }).click();
    for (const page of [...pages, late]) await expect(rows(page, '/api/error/404')).toHaveCount(1);
    const lateSeen = Number(await late.evaluate(() => window.statelab.lastEventId));

    await late.context().setOffline(true); // away while the server restarts and the class returns
    for (const page of pages) await recordStates(page);
    const failures = pages.map(failedRequests);
    await stopServer(server);
    for (const page of pages) await expect(page.locator('#connection')).toHaveAttribute('data-state', 'reconnecting');
    server = await startServer();
    const back = Date.now(); // the server has answered its health check
    for (const page of pages) await expect(page.locator('#connection')).toHaveAttribute('data-state', 'live');
    const shown = await Promise.all(pages.map((page) => page.evaluate(() => window.shownStates)));
    const left = await Promise.all(pages.map((page) => page.evaluate(() => window.leftStates)));
    // Live again (0.3-1.3 s after the server answered, here, alone or beside three CPU
    // hogs), having only retried: a refused stream would have shown 'polling', and waited
    // out its 10 s Retry-After. Nothing the pages sent once the server answered failed.
    test.info().annotations.push({
      type: 'live again after (ms)',
      description: shown.map((states) => states.findLast(([state]) => state === 'live')[1] - back).join(', '),
    });
    for (const [i, states] of shown.entries()) {
      expect([...states.map(([state]) => state), ...left[i]]).not.toContain('polling');
    }
    for (const failed of failures) expect(failed.filter((req) => req.sent >= back)).toEqual([]);

    for (const page of pages) {
      expect(new URL(page.url()).searchParams.get('lab')).toBe(lab);
      await expect(page.locator('#banner')).toHaveText(/^The server restarted and made this lab again under the same link/);
      await expect(page.locator('#banner')).not.toContainText('evicted');
      // Said once: the activity line only marks where the new log starts.
      await expect(page.locator('#lab-activity')).toContainText("The lab's log starts afresh here");
      const told = await page.locator('body').innerText();
      expect(told.match(/made (this lab )?again/g)).toHaveLength(1);
    }
    // The class's reads after the restart (here a slow request, then the pages' own state
    // reads) push the new log past the late page's last id before it comes back.
    const traced = (route) => fetch(`${base}${route}`, { headers: { 'X-Lab-Id': lab } });
    await traced('/api/slow?ms=1');
    for (let i = 0; i < 40; i += 1) await traced('/api/state');
    const now = await (await traced('/api/hooks')).json();
    expect(Number(now.last_id)).toBeGreaterThan(lateSeen);
    await late.context().setOffline(false);
    await expect(late.locator('#connection')).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
    await expect(late.locator('#banner')).toHaveText(/^The server restarted and made this lab again under the same link/);
    await expect(rows(late, '/api/slow')).toHaveCount(1); // the new log's first events
    await expect(rows(late, '/api/error/404')).toHaveCount(1); // the rows drawn before stay
    pages.push(late);

    // The class is still together: a pupil's new request reaches everyone, after the old rows.
    await pupils[0].getByRole('button', { name: 'abort(403)' }).click();
    for (const page of pages) {
      await expect(rows(page, '/api/error/403')).toHaveCount(1);
      await expect(rows(page, '/api/error/404')).toHaveCount(1);
    }
    // The owner's token reclaims the made-again lab; a pupil's page still has no such power.
    await owner.getByRole('switch', { name: 'Short-circuit in before_request' }).check();
    await expect(pupils[1].getByRole('switch', { name: 'Short-circuit in before_request' })).toBeChecked();
    await expect(pupils[1].getByRole('switch', { name: 'Short-circuit in before_request' })).toBeDisabled();
    await Promise.all(pages.map((page) => page.context().close()));
  } finally {
    await stopServer(server);
  }
});
