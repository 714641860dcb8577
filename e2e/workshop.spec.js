// A class in one lab: the owner token (the page that made the lab, or the
// teacher link), what a participant may not do and why, who changed the lab, a
// participant's private clear, display names and colours, a full lab read by polling,
// and what a late joiner missed. axe-core checks each new state.
import { test, expect, openLab, rows, logIn, expectNoAxeViolations } from './fixtures.js';

const SMALL = `http://127.0.0.1:${process.env.STATELAB_E2E_SMALL_PORT}`;

const switchOf = (page) => page.getByRole('switch', { name: 'Short-circuit in before_request' });
const clearAllOf = (page) => page.getByRole('button', { name: 'Clear for all' });
const resetOf = (page) => page.getByRole('button', { name: 'Reset lab' });
// In a collapsed explanation: by id, since a role locator skips hidden elements.
const rearmOf = (page) => page.locator('#rearm-first');

test('owner and participant views: roles, disabled controls with the reason, no axe violations in either scheme', async ({ browser, lab }) => {
  test.setTimeout(150_000); // two pages and two axe runs: 78 s (four runs) beside two CPU hogs
  const owner = await (await browser.newContext()).newPage();
  const participant = await (await browser.newContext()).newPage();
  await openLab(owner, lab, { owner: true });
  await openLab(participant, lab);
  await expect(owner.locator('#role')).toHaveText('owner');
  await expect(owner.getByRole('button', { name: 'Copy teacher link' })).toBeVisible();
  await expect(participant.locator('#role')).toHaveText('participant');
  await expect(participant.getByRole('button', { name: 'Copy teacher link' })).toBeHidden();
  for (const control of [switchOf, clearAllOf, resetOf, rearmOf]) {
    await expect(control(owner)).toBeEnabled();
    await expect(control(participant)).toBeDisabled();
  }
  await owner.getByRole('button', { name: 'abort(404)' }).click();
  await expect(rows(participant, '/api/error/404')).toHaveCount(1);
  // The participant's whole page, in both schemes (they differ only in CSS); reduced
  // motion, so no transition fades the other scheme's colours while axe reads them. The
  // owner's page is a11y.spec.js's: each of its tests checks an owner's whole page.
  for (const colorScheme of ['light', 'dark']) {
    await participant.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
    await expectNoAxeViolations(participant);
  }
  await owner.context().close();
  await participant.context().close();
});

test('a participant cannot change settings, clear or reset for everyone, and sees why; the owner can, and every page says who', async ({ labPage, otherPage }) => {
  await expect(labPage.locator('#owner-note')).toBeHidden();
  const why = /Only the lab's owner .* can change settings, the signing key, clear the log for everyone, reset the lab or make its next request a first request again/;
  await expect(otherPage.locator('#owner-note')).toHaveText(why);
  await expect(clearAllOf(otherPage)).toHaveAccessibleDescription(why);
  await expect(switchOf(otherPage)).toHaveAccessibleDescription(why);
  await expect(resetOf(otherPage)).toHaveAccessibleDescription(why);
  await expect(rearmOf(otherPage)).toHaveAccessibleDescription(why);

  // Around the page, the server refuses too: the participant's own requests, no token.
  const refused = await otherPage.evaluate(async () => {
    const lab = { 'X-Lab-Id': window.statelab.lab, 'Content-Type': 'application/json' };
    const tries = [['DELETE', '/api/hooks'], ['PUT', '/api/lab/settings', '{"short_circuit": true}'], ['POST', '/api/lab/reset'], ['POST', '/api/lab/first-request']];
    return Promise.all(tries.map(async ([method, path, body]) => {
      const res = await fetch(path, { method, headers: lab, body });
      return [res.status, (await res.json()).error];
    }));
  });
  expect(refused).toEqual([[403, 'owner_only'], [403, 'owner_only'], [403, 'owner_only'], [403, 'owner_only']]);
  await expect(switchOf(labPage)).not.toBeChecked();

  // The owner names themself; changes reach the participant saying who made them.
  await labPage.getByRole('button', { name: 'Name…' }).click();
  await labPage.getByLabel('Display name').fill('Ms Li');
  await labPage.getByRole('button', { name: 'Save' }).click();
  await expect(labPage.locator('#me-chip')).toHaveText('Ms Li');
  await switchOf(labPage).check();
  await expect(switchOf(otherPage)).toBeChecked();
  await expect(otherPage.locator('#lab-activity')).toContainText('Ms Li set short_circuit on');
  await labPage.getByRole('button', { name: 'abort(403)' }).click();
  await expect(rows(otherPage, '/api/error/403')).toHaveCount(1);
  labPage.once('dialog', (dialog) => dialog.accept()); // Clear for all asks first
  await clearAllOf(labPage).click();
  await expect(otherPage.locator('#lab-activity')).toContainText('Ms Li cleared the log for everyone');
  await expect(rows(otherPage, '/api/error/403')).toHaveCount(0);

  labPage.once('dialog', (dialog) => dialog.accept());
  await resetOf(labPage).click();
  await expect(switchOf(otherPage)).not.toBeChecked();
  await expect(otherPage.locator('#lab-activity')).toContainText('Ms Li reset the lab');
});

test('a participant\'s Clear hides rows for them alone, as DevTools\' Clear does', async ({ labPage, otherPage }) => {
  await labPage.getByRole('button', { name: 'abort(404)' }).click();
  await otherPage.getByRole('button', { name: 'abort(403)' }).click();
  await expect(rows(otherPage, '/api/error/')).toHaveCount(2);
  await expect(rows(labPage, '/api/error/')).toHaveCount(2);

  await otherPage.getByRole('button', { name: 'Clear my view' }).click();
  await expect(rows(otherPage)).toHaveCount(0);
  // The two errors and the lab's first request (its GET /, never hidden as a page read).
  await expect(otherPage.locator('#lab-activity')).toContainText('You cleared your view: 3 requests hidden on this page only');
  // Nobody else's timeline changed, and new requests still arrive here.
  await expect(rows(labPage, '/api/error/')).toHaveCount(2);
  await labPage.getByRole('button', { name: 'abort(500)', exact: true }).click();
  await expect(rows(otherPage, '/api/error/500')).toHaveCount(1);
  await expect(rows(otherPage)).toHaveCount(1);
});

test('display names: validated by the server, shown on the chip, the rows and the one-person filter', async ({ labPage, otherPage }) => {
  await otherPage.getByRole('button', { name: 'Name…' }).click();
  const dialog = otherPage.getByRole('dialog', { name: 'Your name in this lab' });
  await expect(dialog).toBeVisible();
  await expectNoAxeViolations(otherPage, '#name-dialog');
  // Spaces only: the browser's `required` passes it, the server refuses it, and says why.
  await dialog.getByLabel('Display name').fill('   ');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(/'name' must be 1 to 32 printable characters/);
  await expect(dialog.getByLabel('Display name')).toHaveAttribute('aria-invalid', 'true');
  await expectNoAxeViolations(otherPage, '#name-dialog');
  await dialog.getByLabel('Display name').fill('Ada <b>L</b>');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(otherPage.locator('#me-chip')).toHaveText('Ada <b>L</b>');

  await otherPage.getByRole('button', { name: 'abort(403)' }).click();
  await labPage.getByRole('button', { name: 'abort(404)' }).click();
  const adaRow = rows(labPage, '/api/error/403');
  await expect(adaRow.locator('.client')).toHaveText('Ada <b>L</b>'); // text, never markup
  await expect(labPage.locator('#lab-activity')).toContainText('is now called Ada <b>L</b>');

  // The participant's colour on the owner's rows is the one on the participant's chip.
  const chipColour = await otherPage.locator('#me-chip').evaluate((el) => getComputedStyle(el.querySelector('.swatch')).backgroundColor);
  expect(await adaRow.locator('.swatch').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(chipColour);

  // Filters: mine, everyone, one person.
  const who = labPage.getByLabel('Client');
  const adaKey = await otherPage.evaluate(() => window.statelab.person);
  await who.selectOption(`person:${adaKey}`);
  await expect(rows(labPage, '/api/error/403')).toHaveCount(1);
  await expect(rows(labPage, 'PUT /api/me')).toHaveCount(2); // her refused name, then the saved one
  await expect(rows(labPage, '/api/error/404')).toHaveCount(0);
  await who.selectOption('me');
  await expect(rows(labPage).filter({ hasText: '/api/error/403' })).toHaveCount(0);
  await expect(rows(labPage, '/api/error/404')).toHaveCount(1);
  await who.selectOption('all');
  await expect(rows(labPage, '/api/error/')).toHaveCount(2);
});

test('a student who sends the teacher\'s first four characters and name is another person, in another colour', async ({ labPage, request, lab }) => {
  const teacher = await labPage.evaluate(() => window.statelab);
  const spoofer = { 'X-Lab-Id': lab.id, 'X-Client-Id': `${teacher.client.slice(0, 4)}spoofed` };
  const named = (headers) => request.put('/api/me', { headers, data: { name: 'Teacher' } });
  expect((await named({ 'X-Lab-Id': lab.id, 'X-Client-Id': teacher.client })).status()).toBe(200);
  await expect(labPage.locator('#me-chip')).toHaveText('Teacher');
  expect((await named(spoofer)).status()).toBe(200);
  expect((await request.get('/api/error/404', { headers: spoofer })).status()).toBe(404);
  await labPage.getByRole('button', { name: 'abort(403)' }).click();

  const theirs = rows(labPage, '/api/error/404');
  const mine = rows(labPage, '/api/error/403');
  await expect(theirs.locator('.client')).toHaveText('Teacher'); // the name is theirs to pick...
  await expect(mine.locator('.client')).toHaveText('you');
  // ...but not the teacher's identity: another public id, colour and filter entry.
  const spooferKey = await theirs.locator('.client').getAttribute('title');
  expect(spooferKey.slice(0, 8)).not.toBe(teacher.person);
  const colour = (locator) => locator.evaluate((el) => getComputedStyle(el.querySelector('.swatch')).backgroundColor);
  expect(await colour(theirs)).not.toBe(await colour(labPage.locator('#me-chip')));
  expect(await colour(mine)).toBe(await colour(labPage.locator('#me-chip')));
  await expect(labPage.locator('#me-chip')).toHaveText('Teacher'); // the chip is still the teacher's
  const who = labPage.getByLabel('Client');
  // One entry (the teacher's own page lists everyone but itself): the spoofer, apart.
  await expect(labPage.locator('#filter-people option')).toHaveText([new RegExp(`^Teacher \\(${spooferKey.slice(0, 4)}\\), `)]);
  await who.selectOption('me');
  await expect(rows(labPage, '/api/error/404')).toHaveCount(0);
  await expect(rows(labPage, '/api/error/403')).toHaveCount(1);
  await who.selectOption('others');
  await expect(rows(labPage, '/api/error/403')).toHaveCount(0);
  await expect(rows(labPage, '/api/error/404')).toHaveCount(1);
});

test('comments and switches reach other pages as stream events: they re-read nothing, and draw no reads', async ({ labPage, otherPage }) => {
  const reads = [];
  otherPage.on('request', (req) => {
    const { pathname } = new URL(req.url());
    if (pathname === '/api/state' || pathname === '/api/comments') reads.push(pathname);
  });
  // Logged in before the comment is posted: a slow scrypt check (a busy machine) let
  // the comment go first, refused 401, and nothing reached the other page.
  await logIn(labPage);
  await labPage.getByLabel('Comment', { exact: true }).fill('read me from the stream');
  await labPage.getByRole('button', { name: 'Post' }).click();
  await expect(otherPage.locator('#comments')).toContainText('read me from the stream');
  await switchOf(labPage).check();
  await expect(switchOf(otherPage)).toBeChecked();
  expect(reads).toEqual([]);
  // The owner's own reads after its actions are not drawn on anyone's timeline.
  await expect(rows(otherPage, 'POST /api/cookie/comment')).toHaveCount(1);
  await expect(rows(otherPage, 'GET /api/state')).toHaveCount(0);
});

test('the teacher link makes a browser the owner and leaves the address bar', async ({ browser, lab }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openLab(page, lab, { owner: true });
  await expect(page).toHaveURL(new RegExp(`/\\?lab=${lab.id}$`));
  await expect(clearAllOf(page)).toBeEnabled();
  // The token stays with this browser: a reload still owns the lab.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
  await expect(clearAllOf(page)).toBeEnabled();
  await context.close();
});

test.describe('a class bigger than the lab', () => {
  test.use({ baseURL: SMALL });

  test('a refused viewer is told the lab is full and follows it by polling', async ({ page, browser }) => {
    await page.goto('/');
    await expect(page.locator('#connection')).toHaveAttribute('data-state', 'live');
    const lab = await page.evaluate(() => window.statelab.lab);
    const context = await browser.newContext();
    const late = await context.newPage();
    await late.goto(`/?lab=${lab}`);
    await expect(late.locator('#connection')).toHaveAttribute('data-state', 'polling');
    await expect(late.locator('#connection-text')).toHaveText('Polling (lab full)');
    await expect(late.locator('#banner')).toHaveText(/^This lab is full \(1 viewer\): polling/);
    // The owner's request still reaches the full page's timeline.
    await page.getByRole('button', { name: 'abort(404)' }).click();
    await expect(rows(late, '/api/error/404')).toHaveCount(1, { timeout: 10_000 });
    await expectNoAxeViolations(late, '.topbar', '#banner', '.timeline-panel');
    await context.close();
  });

  test('a late joiner is told how many older events the bounded log dropped', async ({ page, request }) => {
    const made = await (await request.post('/api/labs')).json();
    for (let i = 0; i < 20; i += 1) {
      expect((await request.get(`/api/error/404`, { headers: { 'X-Lab-Id': made.id } })).status()).toBe(404);
    }
    await page.goto(made.url);
    await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
    await expect(page.locator('#history-note')).toHaveText(/^Showing the last \d+ requests?; \d+ older events were dropped from the lab's bounded log\.$/);
  });
});
