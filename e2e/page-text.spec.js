// The page's explanations say what Flask 3.1 and Chromium really do.
import { test, expect, logIn, chooseMechanism, lastResponse, rows, stepNames, expectOrder, stepNote, openRequest, showPageReads } from './fixtures.js';

async function openExplain(page, summary) {
  const details = page.locator('details.explain').filter({ has: page.locator('summary', { hasText: summary }) });
  await details.locator('summary').click();
  return details;
}

test('SameSite and Secure: Lax+POST, None needs Secure, localhost is secure, what protects the lab', async ({ labPage: page }) => {
  const point = await openExplain(page, 'Cookie attributes');
  await expect(point).toContainText('this lab sends Lax on its session cookies');
  // The whole text, behind the box's "More" link.
  await page.goto(await point.getByRole('link', { name: /^More/ }).getAttribute('href'));
  const box = page.locator('section#attributes');
  const sameSite = box.locator('#samesite-fact');
  await expect(sameSite).toContainText('Flask sets no SameSite by default');
  await expect(sameSite).toContainText('two-minute "Lax+POST" exception');
  await expect(sameSite).toContainText('within 2 minutes of the cookie being set still carries it');
  await expect(sameSite).toContainText('not on cross-site subresource requests');
  await expect(sameSite).toContainText('only accepted with Secure');
  await expect(sameSite).toContainText('This lab sends SameSite=Lax on its session cookies');
  await expect(sameSite).not.toContainText('Chromium then treats the cookie as Lax.');
  await expect(box.locator('#secure-fact')).toContainText('Chromium counts localhost (and 127.0.0.1) as secure');
  await expect(box.locator('#csrf-fact')).toContainText('403 cross_site');
  await expect(box.locator('#expires-fact')).toContainText('Flask itself writes only Expires on its session cookie');
});

test('debug mode: the tutorial\'s sentence answered, linked to the propagate lesson', async ({ labPage: page }) => {
  const box = await openExplain(page, 'What happens on an error?');
  const fact = box.locator('#debug-mode-fact');
  await expect(fact).toContainText('"must be non debug mode"');
  await expect(fact).toContainText('Since Flask 2.2');
  await expect(fact).toContainText('teardown runs in debug mode too');
  await expect(fact).toContainText('abort(500) still gets the custom 500 handler');
  await expect(fact).toContainText('no 500 handler, no after_request, no save_session');
  await expect(fact).toContainText('no request_finished; teardown still receives the exception');
  await fact.getByRole('link', { name: 'The propagate switch' }).click();
  await expect(page.locator('#lesson-propagate')).toHaveAttribute('open', '');
});

test('the order list: blueprint before app going out, save_session vs the view\'s set_cookie', async ({ labPage: page }) => {
  const box = await openExplain(page, 'The order Flask runs things in');
  await expect(box).toContainText('the app\'s before the blueprint\'s');
  await expect(box).toContainText('Going out, the blueprint\'s hooks before the app\'s');
  await expect(box).toContainText('after_request in reverse registration order');
  await expect(box).toContainText('save_session writes the session cookies\' Set-Cookie');
  await expect(box).toContainText('The plain username cookie is written earlier, by the view, with resp.set_cookie');
  await expect(box).not.toContainText('this is where Set-Cookie is written');
});

test('how each fact is obtained; before_first_request emulated where Flask 2.2 ran it', async ({ labPage: page }) => {
  const how = await openExplain(page, 'How each fact on this page is obtained');
  for (const kind of ['Measured in Flask', 'Decoded by the server', 'Emulated', 'Seen in the browser']) {
    await expect(how.locator('dt', { hasText: kind })).toBeVisible();
  }
  await expect(how).toContainText('gives the error Flask\'s signing serializer has for the cookie that was sent');
  const first = await openExplain(page, 'Where did before_first_request go?');
  await expect(first).toContainText('pallets/flask#4605');
  await expect(first).toContainText('misused as setup code');
  await expect(first).not.toContainText('ambiguous with several workers');
  await expect(first).toContainText('before request_started, on the lab\'s first request');

  // The lab's first request (the page's own GET /) really shows the emulated hook
  // before request_started.
  await showPageReads(page);
  await rows(page).first().click();
  await expect(page.locator('#details-body .status-badge')).not.toHaveText(/pending/);
  const steps = await stepNames(page);
  expectOrder(steps, ['open_session', 'before_first_request', 'request_started', 'before_request']);
  await expect(stepNote(page, 'before_first_request')).toContainText('pallets/flask#4605');

  // Re-armed, the lab's next request runs it again; the one after does not.
  await first.getByRole('button', { name: 'Make the lab\'s next request a first request again' }).click();
  await expect(first.locator('#rearm-result')).toContainText('before_first_request ran on GET /api/state');
  const texts = await rows(page).allTextContents();
  const armed = texts.findIndex((t) => t.includes('POST /api/lab/first-request'));
  expect(armed).toBeGreaterThan(0);
  await rows(page).nth(armed + 1).click();
  await expect(page.locator('#details-body .status-badge')).not.toHaveText(/pending/);
  expectOrder(await stepNames(page), ['open_session', 'before_first_request', 'request_started']);
  await page.getByRole('button', { name: 'abort(404)' }).click();
  await openRequest(page, 'GET /api/error/404');
  expect(await stepNames(page)).not.toContain('before_first_request');
});

test('the "." prefix is claimed only when it is there', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'session' });
  await expect(page.getByTestId('compressed')).toHaveText(/^no: zlib only when it makes the payload shorter/);
});

test('a session comment after a plain-cookie login: each mechanism reads only its own storage', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'cookie' });
  await chooseMechanism(page, 'session');
  await page.getByLabel('Comment', { exact: true }).fill('hello');
  await page.getByRole('button', { name: 'Post' }).click();
  await expect(lastResponse(page)).toContainText('401');
  await expect(lastResponse(page)).toContainText('No login, login in comments first');
  await expect(page.locator('#comment-hint')).toContainText('Each mechanism\'s comment endpoint reads only its own storage');
  await expect(page.locator('#comment-hint')).toBeVisible();
});

test('where the data lives: a signed session copy works until its age, its lifetime or a rotation', async ({ labPage: page }) => {
  const box = await openExplain(page, 'Where does the data live?');
  await expect(box).toContainText('nobody without the key can change it');
  // The rest, behind the box's "More" link.
  await page.goto(await box.getByRole('link', { name: /^More/ }).getAttribute('href'));
  const whole = page.locator('section#storage');
  await expect(whole).toContainText('a copy keeps working until the signature\'s age runs out');
  await expect(whole).toContainText('the lifetime the login issued ends (this server enforces it)');
  await expect(whole).toContainText('the key rotates without a fallback');
  await expect(whole).not.toContainText('It cannot be revoked');
});
