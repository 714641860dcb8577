// What one page costs the browser while a class joins its lab: Debian's chromium (the
// e2e launch options) opens a lab, then OTHERS more pages join it five at a time, as
// e2e/class.spec.js does. Each join's page reads are hidden on every page (the filter's
// default), so a page that redraws only what changed lays itself out little. Prints, as
// its last line, a JSON object: the first page's style recalculations in 5 s alone and
// idle; its style recalculations, layouts and their main-thread seconds over the joins
// (Chrome's Performance metrics); and the CPU seconds of every chromium process by type
// (renderers summed), all pages still open.
//
//   node bench/class_page.mjs http://127.0.0.1:PORT [OTHERS]
//
// Talks only to the given base URL (`make run` serves one on 127.0.0.1:5000).
import { chromium } from '@playwright/test';

const [base, others = '29'] = process.argv.slice(2);
if (!base?.startsWith('http://127.0.0.1:')) {
  console.error('usage: node bench/class_page.mjs http://127.0.0.1:PORT [OTHERS]');
  process.exit(2);
}
const BATCH = 5;
const SETTLE_MS = 1500; // after a page loads or the last joins, for its events to arrive
const IDLE_MS = 5000;

// Set first, these keep the config from picking ports and making folders it would not use.
for (const name of ['', 'SMALL_', 'CAPPED_']) {
  process.env[`STATELAB_E2E_${name}PORT`] ||= '0';
  process.env[`STATELAB_E2E_${name}INSTANCE`] ||= '/nonexistent';
}
const { default: config } = await import('../playwright.config.js');

async function openLive(browser, url) {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await page.goto(url);
  await page.locator('#connection[data-state="live"]').waitFor();
  return page;
}

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map(({ name, value }) => [name, value]));
}

const browser = await chromium.launch(config.use.launchOptions);
try {
  const res = await fetch(`${base}/api/labs`, { method: 'POST' });
  if (res.status !== 201) throw new Error(`POST /api/labs: HTTP ${res.status}`);
  const url = new URL((await res.json()).url, base).href;
  const first = await openLive(browser, url);
  const cdp = await first.context().newCDPSession(first);
  await cdp.send('Performance.enable');
  await new Promise((done) => setTimeout(done, SETTLE_MS));
  const idle = await metrics(cdp);
  await new Promise((done) => setTimeout(done, IDLE_MS));
  const before = await metrics(cdp);
  for (let joined = 0; joined < Number(others); joined += BATCH) {
    const batch = Math.min(BATCH, Number(others) - joined);
    await Promise.all(Array.from({ length: batch }, () => openLive(browser, url)));
  }
  await new Promise((done) => setTimeout(done, SETTLE_MS));
  const after = await metrics(cdp);
  const change = (name) => Math.round((after[name] - before[name]) * 100) / 100;
  const { processInfo } = await (await browser.newBrowserCDPSession()).send('SystemInfo.getProcessInfo');
  const cpu = {};
  for (const { type, cpuTime } of processInfo) cpu[type] = Math.round(((cpu[type] ?? 0) + cpuTime) * 10) / 10;
  console.log(JSON.stringify({
    others: Number(others),
    shown: await first.locator('#timeline-count').textContent(),
    idle_style_recalcs: before.RecalcStyleCount - idle.RecalcStyleCount,
    first_page: {
      style_recalcs: change('RecalcStyleCount'), layouts: change('LayoutCount'),
      style_s: change('RecalcStyleDuration'), layout_s: change('LayoutDuration'), tasks_s: change('TaskDuration'),
    },
    cpu_s: cpu,
  }));
} finally {
  await browser.close();
}
