// Replay a copied cookie after the login ended; fill the signed session.
import { test, expect, openLesson, logIn, serverUser, openRequest } from './fixtures.js';

const MECHANISMS = ['cookie', 'session', 'server-session'];
const verdict = (page, mechanism) => page.locator(`#replay-table tr[data-mechanism="${mechanism}"] td`);

async function logInEverywhere(page, options = {}) {
  for (const mechanism of MECHANISMS) {
    await logIn(page, { mechanism, ...options });
    await expect(serverUser(page, mechanism)).toHaveText('Tom');
  }
}

test('replay after logout: the plain cookie and the signed session still work, the server-side id does not', async ({ labPage: page }) => {
  test.setTimeout(60_000); // three logins, three logouts and a replay: 30 s ran out at a load average of 40-65
  await logInEverywhere(page);
  const lesson = await openLesson(page, 'Replay a copied cookie');
  await lesson.getByRole('button', { name: 'Copy my cookies now' }).click();
  await expect(lesson.getByTestId('replay-copy')).toContainText(/username .*session .*server_session/);

  await lesson.getByRole('button', { name: 'Log out with all three' }).click();
  for (const mechanism of MECHANISMS) await expect(serverUser(page, mechanism)).toHaveText('nobody');

  await lesson.getByRole('button', { name: 'Replay the copy' }).click();
  for (const mechanism of MECHANISMS) await expect(verdict(page, mechanism).first()).toHaveText('yes');
  await expect(verdict(page, 'cookie').nth(1)).toHaveText('Tom');
  await expect(verdict(page, 'session').nth(1)).toHaveText('Tom');
  await expect(verdict(page, 'server-session').nth(1)).toHaveText('nobody (no data stored for this id)');
  await expect(serverUser(page, 'session')).toHaveText('Tom');
  await expect(serverUser(page, 'server-session')).toHaveText('nobody');
});

test('replay after rotating the key without a fallback: the signed copy is refused', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'session' });
  await expect(serverUser(page, 'session')).toHaveText('Tom');
  const replay = await openLesson(page, 'Replay a copied cookie');
  await replay.getByRole('button', { name: 'Copy my cookies now' }).click();
  const secret = await openLesson(page, 'The secret key');
  await secret.getByRole('button', { name: 'Rotate, no fallback' }).click();
  await replay.getByRole('button', { name: 'Replay the copy' }).click();
  await expect(verdict(page, 'session').first()).toHaveText('yes');
  await expect(verdict(page, 'session').nth(1)).toHaveText('nobody (bad_signature)');
});

test('replay after the cookie\'s lifetime: the server\'s answer, per mechanism, as the inspector shows it', async ({ labPage: page }) => {
  test.setTimeout(120_000);
  // Opened first: the lesson's code loads when a lesson opens, and that time must not
  // eat into the 30 s the copy has to be made in (three logins took over 10 s at a
  // load average of 15, and the first cookie was gone before the copy).
  const lesson = await openLesson(page, 'Replay a copied cookie');
  await expect(page.locator('.lessons').last()).toHaveAttribute('data-loaded', 'true');
  await logInEverywhere(page, { lifetime: '30 seconds' });
  await lesson.getByRole('button', { name: 'Copy my cookies now' }).click();
  // The browser drops each cookie when its lifetime ends.
  await expect(lesson.getByTestId('replay-copy')).toContainText(/username .*session .*server_session/);
  for (const mechanism of MECHANISMS) await expect(serverUser(page, mechanism)).toHaveText('nobody', { timeout: 45_000 });
  await lesson.getByRole('button', { name: 'Replay the copy' }).click();
  for (const mechanism of MECHANISMS) {
    await expect(verdict(page, mechanism).first()).toHaveText('yes');
    const believed = (await serverUser(page, mechanism).textContent()).trim();
    await expect(verdict(page, mechanism).nth(1)).toContainText(believed);
  }
  // The plain cookie's lifetime lives only in the browser: the server believes the copy.
  await expect(verdict(page, 'cookie').nth(1)).toHaveText('Tom');
  // Both session kinds: the server enforces the lifetime the login issued.
  await expect(verdict(page, 'session').nth(1)).toContainText('nobody');
  await expect(verdict(page, 'server-session').nth(1)).toContainText('nobody');
});

test('fill the session: the "." prefix, then past 4093 bytes, and whether the browser carried it', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'session' });
  await expect(serverUser(page, 'session')).toHaveText('Tom');
  const lesson = await openLesson(page, 'Replay a copied cookie');
  const facts = lesson.getByTestId('fill-facts');

  await lesson.getByLabel('Fill the signed session with (bytes)').fill('2000');
  await lesson.getByRole('button', { name: 'Fill', exact: true }).click();
  await expect(facts).toContainText('Filler: 2000 bytes.');
  await expect(facts).toContainText('Compressed: the value starts with "." (zlib).');
  await expect(facts).toContainText('(under 4093)');
  await expect(lesson.getByTestId('fill-carried')).toHaveText('The next request carried it: the browser kept the cookie.');
  await expect(page.getByTestId('compressed')).toHaveText('yes: zlib, so the value starts with "."');

  await lesson.getByLabel('Fill the signed session with (bytes)').fill('8000');
  await lesson.getByRole('button', { name: 'Fill', exact: true }).click();
  await expect(facts).toContainText('Filler: 8000 bytes.');
  await expect(facts).toContainText('past Werkzeug\'s 4093-byte warning');
  await expect(lesson.getByTestId('fill-carried')).toHaveText('The next request did not carry it: the browser refused the cookie, and the next request carried the previous one.');
  await openRequest(page, 'POST /api/session/fill');
  await expect(page.locator('#details-body')).toContainText('Set-Cookie received');
});

test.describe('after the merge', () => {

  test('Werkzeug\'s size warning is captured as step output', async ({ labPage: page }) => {
    await logIn(page, { mechanism: 'session' });
    const lesson = await openLesson(page, 'Replay a copied cookie');
    await lesson.getByLabel('Fill the signed session with (bytes)').fill('8000');
    await lesson.getByRole('button', { name: 'Fill', exact: true }).click();
    await expect(lesson.getByTestId('fill-facts')).toContainText('Werkzeug warned:');
    await openRequest(page, 'POST /api/session/fill');
    await expect(page.locator('#details-body .step-output').filter({ hasText: 'too large' })).toHaveCount(1);
  });
});
