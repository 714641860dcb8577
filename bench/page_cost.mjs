// The page's own cost: Debian's chromium (playwright.config.js's launch options) open on
// a lab while real requests push ~N hook events into it; prints, as its last line, a
// JSON object with the longest main-thread task (Chrome's trace: each task the
// renderer's main thread ran) and the 'longtask' entries (over 50 ms) the page observed.
//
//   node bench/page_cost.mjs http://127.0.0.1:PORT LAB_ID [EVENTS]
//
// PAGE_TRACE=file keeps Chrome's trace (open it in chrome://tracing or DevTools).
// Run by bench/live.py against the embedded default, whose event ids are counters, so
// "events pushed" is the difference of two ids. Talks only to the given base URL.
import { writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';

const [base, lab, wanted = '5000'] = process.argv.slice(2);
const TARGET = Number(wanted);
const PUSHERS = 4; // concurrent students, each one request after another
const CATCH_UP_MS = 60_000;
// A task on a thread's queue, as Chrome's trace names it ("RunTask" in older builds).
const TASK_NAMES = new Set(['ThreadControllerImpl::RunTask', 'RunTask']);

if (!base?.startsWith('http://127.0.0.1:') || !lab) {
  console.error('usage: node bench/page_cost.mjs http://127.0.0.1:PORT LAB_ID [EVENTS]');
  process.exit(2);
}

// The launch options the e2e tests use. Setting these two first keeps the config from
// picking a port and making a temporary folder it would never use here.
process.env.STATELAB_E2E_PORT ||= '0';
process.env.STATELAB_E2E_INSTANCE ||= '/nonexistent';
const { default: config } = await import('../playwright.config.js');

async function newestId() {
  const res = await fetch(`${base}/api/hooks?limit=1`, { headers: { 'X-Lab-Id': lab } });
  if (!res.ok) throw new Error(`GET /api/hooks: HTTP ${res.status}`);
  // With no `after`, the page is the oldest event; ask again after it for the newest.
  const { last_id: oldest } = await res.json();
  if (oldest === null) return 0;
  const next = await fetch(`${base}/api/hooks?limit=5000&after=${oldest}`, { headers: { 'X-Lab-Id': lab } });
  const { last_id: newest } = await next.json();
  return Number(newest ?? oldest);
}

/** A student: logs in with a signed session, then comments and reads its state. */
async function push(number, until) {
  const cookies = new Map();
  const send = async (method, path, body) => {
    const headers = { 'X-Lab-Id': lab, 'X-Client-Id': `page-bench-${number}` };
    if (cookies.size) headers.Cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body) headers['Content-Type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    await res.arrayBuffer();
    if (res.status >= 400) throw new Error(`${method} ${path}: HTTP ${res.status}`);
  };
  let requests = 0;
  // A busy server answers a login 503 (its password checks are capped): try again.
  for (let tries = 1; ; tries += 1) {
    try {
      await send('POST', '/api/session/login', { username: 'Tom', password: '123' });
      break;
    } catch (err) {
      if (tries === 30 || !err.message.endsWith('HTTP 503')) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  requests += 1;
  while (!until()) {
    await (requests % 2 ? send('POST', '/api/session/comment', { text: `page bench ${requests}` })
      : send('GET', '/api/state'));
    requests += 1;
  }
  return requests;
}

const browser = await chromium.launch(config.use.launchOptions);
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__longtasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${base}/?lab=${lab}`);
  await page.waitForSelector('html[data-ready="true"]');
  await page.waitForSelector('#connection[data-state="live"]');

  const start = await newestId();
  await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline'] });
  const pageStart = await page.evaluate(() => performance.now());
  const began = Date.now();
  let newest = start;
  let done = false;
  const watch = (async () => {
    while (!done) {
      newest = await newestId();
      done = newest - start >= TARGET;
      if (!done) await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const counts = await Promise.all([...Array(PUSHERS)].map((_, i) => push(i, () => done)));
  await watch;
  const pushSeconds = (Date.now() - began) / 1000;
  const last = await newestId();
  const lastAt = Date.now();
  await page.waitForFunction((id) => Number(window.statelab.lastEventId) >= id, last,
    { timeout: CATCH_UP_MS, polling: 20 });
  const lagMs = Date.now() - lastAt;
  // Two frames: the timeline draws what arrived.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const raw = await browser.stopTracing();
  if (process.env.PAGE_TRACE) writeFileSync(process.env.PAGE_TRACE, raw);
  const trace = JSON.parse(raw.toString());
  const longtasks = await page.evaluate((t0) => window.__longtasks.filter((e) => e.start >= t0), pageStart);
  const rows = await page.locator('#timeline-count').textContent();

  const events = trace.traceEvents ?? trace;
  const mainThreads = new Set(events
    .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
    .map((e) => `${e.pid}:${e.tid}`));
  const tasks = events.filter((e) => TASK_NAMES.has(e.name) && e.ph === 'X'
    && mainThreads.has(`${e.pid}:${e.tid}`));
  if (!tasks.length) throw new Error('the trace has no task on the renderer main thread');
  const longest = Math.max(...tasks.map((e) => e.dur)) / 1000;

  console.log(JSON.stringify({
    events: last - start,
    requests: counts.reduce((a, b) => a + b, 0),
    seconds: pushSeconds,
    lag_ms: lagMs,
    longest_task_ms: longest,
    long_tasks: longtasks.length,
    long_total_ms: longtasks.reduce((a, e) => a + e.ms, 0),
    tasks: tasks.length,
    rows,
  }));
} finally {
  await browser.close();
}
