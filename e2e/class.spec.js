// A class: 30 browser contexts (one browser, to stay affordable) in one lab.
// Each makes a request; every page sees all 30, each row in its client's colour, and
// that colour is the one on the client's own chip: 30 distinct colours.
import { test, expect, rows } from './fixtures.js';

const CLASS = 30;
const BATCH = 5; // pages opened at a time, so a 2-core machine is not swamped

/**
 * Each client's chip colour, and the colours of its rows on this page. The list is
 * virtual (only the visible rows exist), so it is read while scrolled a screen at a time.
 */
const colours = (page) => page.evaluate(async () => {
  const swatch = (el) => getComputedStyle(el.querySelector('.swatch')).backgroundColor;
  const list = document.querySelector('#timeline-list');
  const rowsBy = {};
  for (let top = 0; top <= list.scrollHeight; top += list.clientHeight / 2) {
    list.scrollTop = top;
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    // The class's own requests (the lab's first request, a page load, is shown too).
    for (const row of [...list.querySelectorAll('[role="option"]')].filter((r) => r.textContent.includes('/api/error/404'))) {
      const who = row.querySelector('.client').getAttribute('title');
      rowsBy[who.slice(0, 4)] = { swatch: swatch(row), stripe: getComputedStyle(row).boxShadow };
    }
  }
  return { me: window.statelab.person.slice(0, 4), chip: swatch(document.querySelector('#me-chip')), rowsBy };
});

test('30 browsers in one lab: each sees the others\' requests, in their colours', async ({ browser, lab }) => {
  test.setTimeout(360_000); // it ran past 4 min once, under a load average of 25 on 2 cores
  const pages = [];
  for (let i = 0; i < CLASS; i += BATCH) {
    pages.push(...await Promise.all(Array.from({ length: BATCH }, async () => {
      const page = await (await browser.newContext()).newPage();
      // Generous waits: five pages load at once on a shared 2-core machine.
      await page.goto(lab.url, { timeout: 60_000 });
      await expect(page.locator('#connection')).toHaveAttribute('data-state', 'live', { timeout: 30_000 });
      return page;
    })));
  }
  for (let i = 0; i < CLASS; i += BATCH) {
    await Promise.all(pages.slice(i, i + BATCH).map((page) => page.evaluate(() => fetch('/api/error/404', {
      headers: { 'X-Lab-Id': window.statelab.lab, 'X-Client-Id': window.statelab.client },
    }))));
  }
  // Page reads are hidden: each page lists the class's 30 requests and the lab's first.
  for (const page of pages) {
    // One row a browser, and the lab's first request (never hidden as a page read).
    await expect(page.locator('#timeline-count')).toHaveText(new RegExp(`^${CLASS + 1} of \\d+ requests$`), { timeout: 20_000 });
    await expect(rows(page, '/api/error/404').first()).toBeVisible();
  }

  const seen = await Promise.all(pages.map(colours));
  const chips = new Map(seen.map((s) => [s.me, s.chip]));
  expect(new Set(chips.values()).size, 'thirty distinct colours').toBe(CLASS);
  for (const view of seen) {
    expect(Object.keys(view.rowsBy).length).toBe(CLASS);
    for (const [client, row] of Object.entries(view.rowsBy)) {
      expect(row.swatch, `${client}'s rows on ${view.me}'s page`).toBe(chips.get(client));
      expect(row.stripe).toContain(chips.get(client));
    }
  }
  await Promise.all(pages.map((page) => page.context().close()));
});
