// A learner alone with the page: each lesson from a fresh lab, in the page's order, each
// ending with what it promises; then the same as a participant, who meets no silent 403.
import { test, expect, openLesson, rows, serverUser } from './fixtures.js';

const tutorial = (page, route) => page.getByRole('button', { name: route }).click();
const startClean = (lesson) => lesson.getByRole('button', { name: 'Start clean' }).click();
const selectedRow = (page) => page.locator('#timeline-list [role="option"][aria-selected="true"]');

test('lesson 0, HTTP is stateless: a login and a comment without cookies, the second knows nothing of the first', async ({ labPage: page }) => {
  const lesson = await openLesson(page, 'HTTP is stateless');
  await startClean(lesson);
  await expect(lesson.getByTestId('clean-result')).toContainText('Cleared this lab\'s cookies');
  await lesson.getByRole('button', { name: 'Log in, then GET /comment, no cookies' }).click();
  const finding = lesson.getByTestId('stateless-finding');
  await expect(finding).toContainText('The login answered with Set-Cookie: username=Tom, but the browser was told to keep none.');
  await expect(finding).toContainText('GET /comment carried no Cookie header');
  await expect(lesson.locator('#stateless-result')).toContainText('No login, login in comments first');
  expect((await page.context().cookies()).map((c) => c.name)).not.toContain('username');
});

test('lesson a reaches the tutorial\'s 404 page and its app with no secret key, and names its wrong claims', async ({ labPage: page }) => {
  const lesson = await openLesson(page, 'The tutorial\'s app');
  const result = lesson.locator('#tutorial-result');
  await tutorial(page, 'GET /nowhere (its 404 page)');
  await expect(result.locator('.status-badge')).toHaveText('404');
  await expect(result).toContainText('I can\'t find my way home');
  await tutorial(page, 'Session login, no SECRET_KEY');
  await expect(result).toContainText('its app (no SECRET_KEY) answered 500: Flask raised RuntimeError: The session is unavailable because no secret key was set');
  const diff = lesson.locator('details.explain', { has: page.locator('summary', { hasText: 'Where the tutorial is wrong' }) });
  await diff.locator('summary').click();
  await expect(diff).toContainText('a handler that returns only a string answers 200');
  await expect(diff).toContainText('the session cookie holds the data itself');
});

test('the tutorial: an old username cookie is named, and after Start clean /comment misses a session login', async ({ labPage: page }) => {
  test.setTimeout(60_000); // six traced requests
  const lesson = await openLesson(page, 'The tutorial\'s app');
  const result = lesson.locator('#tutorial-result');
  // The natural order, which the lesson must survive: cookie login, session login, /comment.
  await tutorial(page, 'POST /login (cookie)');
  await expect(result).toContainText('Login succeeded!');
  await tutorial(page, 'POST /session/login');
  await expect(result).toContainText('Login succeeded!');
  // The cookie login's answer said so too: wait until the page has the session login's.
  await expect(serverUser(page, 'session')).toHaveText('Tom');
  await tutorial(page, 'GET /comment');
  await expect(result).toContainText('Comment succeeded:Tom');
  await expect(result.getByTestId('comment-finding')).toContainText('This request carried the plain cookie username=Tom (set by POST /login (cookie))');
  await expect(result.getByTestId('comment-finding')).toContainText('The session login (Tom) played no part');

  await startClean(lesson);
  await expect(lesson.getByTestId('clean-result')).toContainText('Cleared this lab\'s cookies');
  await expect(serverUser(page, 'session')).toHaveText('nobody');
  await tutorial(page, 'POST /session/login');
  await expect(result).toContainText('Login succeeded!');
  await expect(serverUser(page, 'session')).toHaveText('Tom');
  await tutorial(page, 'GET /comment');
  await expect(result).toContainText('No login, login in comments first');
  await expect(result.getByTestId('comment-finding')).toContainText('The signed session says Tom, but the tutorial\'s /comment reads only the username cookie');
});

test('before_first_request: the first request\'s row is never hidden, and re-arming shows and selects the next one', async ({ labPage: page }) => {
  await expect(page.getByLabel('Hide page reads')).toBeChecked();
  // A fresh lab: its first request ran the emulated hook, and "Hide page reads" keeps that row.
  const first = rows(page).filter({ has: page.locator('.bar[title^="before_first_request"]') });
  await expect(first).toHaveCount(1);
  await expect(page.locator('#timeline-empty')).toBeHidden();

  const explain = page.locator('details', { has: page.locator('summary', { hasText: 'Where did before_first_request go?' }) });
  await explain.locator('summary').click();
  await page.getByRole('button', { name: 'Make the lab\'s next request a first request again' }).click();
  await expect(page.getByTestId('rearm-finding')).toContainText('before_first_request ran on GET /api/state');
  await expect(first).toHaveCount(2);
  await expect(selectedRow(page)).toContainText('GET /api/state');
  await expect(page.locator('#details-body tr[data-step="before_first_request"]')).toHaveCount(1);
});

test('an empty timeline says whether it is filtered or cleared, and shows the rows again', async ({ labPage: page }) => {
  await page.locator('#filter-text').fill('hook:after_this_request');
  await expect(page.locator('#timeline-empty')).toHaveAttribute('data-reason', 'filtered');
  await expect(page.locator('#timeline-empty')).toContainText(/\d+ requests? hidden by filters/);
  await expect(page.locator('#timeline-empty')).not.toContainText('Nothing yet');
  await page.locator('#timeline-empty').getByRole('button', { name: 'Show all' }).click();
  await expect(rows(page).first()).toBeVisible();

  await page.getByRole('button', { name: 'Clear my view' }).click();
  await expect(page.locator('#timeline-empty')).toHaveAttribute('data-reason', 'cleared');
  await expect(page.locator('#timeline-empty')).toContainText('You cleared your view');
  await page.locator('#timeline-empty').getByRole('button', { name: 'Show again' }).click();
  await expect(rows(page).first()).toBeVisible();
});

test('lesson b: the caption agrees with the table with the custom handlers off, then on after Start clean', async ({ labPage: page }) => {
  test.setTimeout(120_000); // two comparisons of four traced requests each, on a busy machine
  const handlers = page.getByRole('switch', { name: 'Custom error handlers' });
  await handlers.uncheck();
  await expect(handlers).not.toBeChecked();
  const lesson = await openLesson(page, 'The propagate switch');
  const compare = lesson.getByRole('button', { name: /^Compare/ });
  const cell = (row, col) => page.locator(`#propagate-table tr[data-row="${row}"] td[data-col="${col}"]`);

  await compare.click();
  await expect(page.getByTestId('propagate-caption')).toBeVisible({ timeout: 45_000 });
  for (const col of ['500-off', '500-on', 'exception-off', 'exception-on']) await expect(cell('errorhandler', col)).toHaveText('no');
  await expect(page.getByTestId('propagate-caption')).toContainText('no 500 handler ran in any column: Custom error handlers are off');
  await expect(page.getByTestId('propagate-caption')).not.toContainText('its 500 handler ran');

  await startClean(lesson);
  await expect(lesson.getByTestId('clean-result')).toContainText('Switched custom_error_handlers on');
  await expect(handlers).toBeChecked();
  await compare.click();
  await expect(cell('errorhandler', '500-on')).toHaveText('yes', { timeout: 45_000 });
  await expect(cell('errorhandler', '500-off')).toHaveText('yes');
  await expect(page.getByTestId('propagate-caption')).toContainText('its 500 handler ran with the switch off and on');
  await expect(page.getByTestId('propagate-caption')).toContainText('A propagated raise skipped the 500 handler, after_request, the session save and request_finished');
});

test('a participant: owner-gated steps are disabled with the reason, and "a lab of my own" opens the lesson as its owner', async ({ labPage: owner, otherPage: page }) => {
  test.setTimeout(60_000); // a third page, a new lab's, loads
  expect(owner).toBeTruthy();
  const refused = [];
  page.on('response', (res) => res.status() === 403 && refused.push(`${res.request().method()} ${new URL(res.url()).pathname}`));
  const lesson = await openLesson(page, 'The propagate switch');
  await expect(lesson.getByRole('button', { name: /^Compare/ })).toBeDisabled();
  await expect(lesson.locator('.owner-lesson-note')).toContainText('only its owner can press them');
  await page.locator('#setting-handlers').evaluate((el) => el.closest('section').scrollIntoView());

  const secret = await openLesson(page, 'The secret key');
  await expect(secret.getByRole('button', { name: 'Use the tutorial\'s key' })).toBeDisabled();
  await expect(secret.getByRole('button', { name: 'Try this in a lab of my own' })).toBeVisible();
  expect(refused, 'no request was refused').toEqual([]);

  const [own] = await Promise.all([
    page.context().waitForEvent('page'),
    lesson.getByRole('button', { name: 'Try this in a lab of my own' }).click(),
  ]);
  await expect(own.locator('html')).toHaveAttribute('data-ready', 'true');
  await expect(own.locator('#lesson-propagate')).toHaveJSProperty('open', true);
  await expect(own.locator('#propagate-compare')).toBeEnabled();
  expect(await own.evaluate(() => window.statelab.isOwner)).toBe(true);
  expect(new URL(own.url()).searchParams.get('owner'), 'the owner token left the address bar').toBeNull();
});

test('request details: the steps come first, and a long cookie is cut with "show all"', async ({ labPage: page }) => {
  await page.getByRole('radio', { name: 'Signed session' }).check();
  const lesson = await openLesson(page, 'Replay a copied cookie');
  await page.locator('#fill-bytes').fill('3000');
  await lesson.getByRole('button', { name: 'Fill', exact: true }).click();
  await expect(lesson.getByTestId('fill-facts')).toBeVisible();
  await page.getByRole('button', { name: 'abort(404)' }).click();
  await rows(page, 'GET /api/error/404').last().click();
  const details = page.locator('#details-body');
  const steps = details.getByRole('heading', { name: /^Steps/ });
  const cookies = details.getByRole('heading', { name: 'Cookie header sent' });
  expect((await steps.boundingBox()).y).toBeLessThan((await cookies.boundingBox()).y);
  const sent = details.locator('section[aria-label="Cookie header sent"]');
  await expect(sent.getByTestId('show-all').first()).toContainText(/show all \([\d,]+ B\)/);
  await sent.getByTestId('show-all').first().click();
  await expect(sent.getByTestId('show-all')).toHaveCount(0);
});

test('a tampered signed session: its timeline row says Flask rejected the cookie', async ({ labPage: page }) => {
  await page.getByRole('radio', { name: 'Signed session' }).check();
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await expect(page.locator('#tamper-session-payload')).not.toHaveValue('');
  await page.locator('#tamper-session-payload').fill('{"username": "Liu Bei"}');
  await page.getByRole('button', { name: 'Re-encode and send' }).click();
  await expect(page.getByTestId('cookie-rejected').first()).toBeVisible();
  await expect(page.getByTestId('cookie-rejected').first()).toHaveText('cookie rejected');
});

test('at 1440x900 a selected login shows its steps above the fold, and every open lesson fits its column', async ({ labPage: page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole('radio', { name: 'Signed session' }).check();
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await rows(page, 'POST /api/session/login').last().click();
  const fourth = page.locator('#details-body tr[data-step]').nth(3);
  await expect(fourth).toBeVisible();
  await page.screenshot({ path: 'test-results/shots/lessons-desktop-login-steps.png' });
  const box = await fourth.boundingBox();
  expect(box.y + box.height, 'the first four steps are above the fold').toBeLessThan(900);
  await page.screenshot({ path: 'test-results/shots/lessons-desktop-login-steps.png' });

  const column = await page.locator('.panel.controls').evaluate((el) => el.clientHeight);
  for (const id of ['stateless', 'tutorial', 'propagate', 'blueprint', 'secret', 'replay', 'samesite']) {
    const lesson = page.locator(`#lesson-${id}`);
    await lesson.evaluate((el) => { el.open = true; el.scrollIntoView(); });
    const height = await lesson.evaluate((el) => el.getBoundingClientRect().height);
    expect(height, `lesson ${id} (${height} px) fits the column (${column} px)`).toBeLessThan(column);
    if (id === 'tutorial') await page.screenshot({ path: 'test-results/shots/lessons-desktop-tutorial.png' });
    await lesson.evaluate((el) => { el.open = false; });
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('#lesson-tutorial').evaluate((el) => { el.open = true; el.scrollIntoView(); });
  await page.screenshot({ path: 'test-results/shots/lessons-phone-tutorial.png' });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});
