// A server following as many labs live as it may (STATELAB_MAX_WATCHED_LABS: 1 on the
// capped server of playwright.config.js): a page of another lab is refused its stream
// (429 too_many_watched_labs), says why in words, follows its lab by polling the log,
// and goes live by itself once the first lab is no longer watched.
import { test, expect, rows, expectNoAxeViolations } from './fixtures.js';

test.use({ baseURL: `http://127.0.0.1:${process.env.STATELAB_E2E_CAPPED_PORT}` });

const BUSY = 'The server is already showing as many labs live as it can (1 at once): this page '
  + 'checks for new requests every few seconds instead, and goes live again by itself when there is room.';
const SIZES = { desktop: [1440, 900], phone: [390, 844] };

test('a lab the server cannot follow live is polled, said why, and goes live when there is room', async ({ page, browser, request }) => {
  test.setTimeout(90_000); // the page tries the stream again after the server's Retry-After (10 s)
  const [first, second] = await Promise.all([1, 2].map(async () => (await request.post('/api/labs')).json()));
  await page.goto(first.teacher_url);
  await expect(page.locator('#connection')).toHaveAttribute('data-state', 'live');

  const context = await browser.newContext();
  const late = await context.newPage();
  await late.goto(second.teacher_url);
  await expect(late.locator('#connection')).toHaveAttribute('data-state', 'polling');
  await expect(late.locator('#connection-text')).toHaveText('Polling (server busy)');
  await expect(late.locator('#banner')).toHaveText(BUSY);
  // Its own lab's requests still reach its timeline, by polling.
  await late.getByRole('button', { name: 'abort(404)' }).click();
  await expect(rows(late, '/api/error/404')).toHaveCount(1, { timeout: 10_000 });
  await expectNoAxeViolations(late, '.topbar', '#banner', '.timeline-panel');
  for (const [name, [width, height]] of Object.entries(SIZES)) {
    await late.setViewportSize({ width, height });
    await late.screenshot({ path: `test-results/shots/${name}-server-busy.png` });
    expect(await late.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  }

  await page.close(); // the first lab's only viewer leaves; its follower retires
  await expect(late.locator('#connection')).toHaveAttribute('data-state', 'live', { timeout: 40_000 });
  await expect(late.locator('#banner')).toBeHidden();
  await context.close();
});
