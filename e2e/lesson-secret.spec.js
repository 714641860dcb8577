// The tutorial's hard-coded key, cracked, a forged session accepted, rotation.
import { test, expect, openLesson, openRequest, logIn, serverUser, showPageReads } from './fixtures.js';

test('the tutorial\'s key: cracked from the lab\'s own cookie, a forged session accepted by Flask', async ({ labPage: page }) => {
  const lesson = await openLesson(page, 'The secret key');
  await expect(lesson.getByTestId('signing-key')).toContainText('this server\'s key');
  await lesson.getByRole('button', { name: 'Use the tutorial\'s key' }).click();
  await expect(lesson.getByTestId('signing-key')).toContainText('the tutorial\'s key "1234567890abcdefg"');
  await expect(lesson.getByTestId('fallback-keys')).toHaveText('none');

  await logIn(page, { mechanism: 'session', username: 'Tom' });
  await expect(serverUser(page, 'session')).toHaveText('Tom');
  await lesson.getByRole('button', { name: 'Crack my session cookie' }).click();
  const cracked = lesson.getByTestId('crack-finding');
  await expect(cracked).toContainText(/^Found "1234567890abcdefg" after \d+ of \d+ candidates in [\d.]+ (ms|s)\.$/, { timeout: 20_000 });
  const candidates = Number((await cracked.textContent()).match(/of (\d+) candidates/)[1]);
  expect(candidates).toBeGreaterThanOrEqual(1000);

  await lesson.getByLabel('Forge a session as').fill('Liu Bei');
  await lesson.getByRole('button', { name: 'Forge and send' }).click();
  await expect(lesson.getByTestId('secret-finding')).toContainText('accepted (verified by the signing key): the server believes Liu Bei');
  await expect(serverUser(page, 'session')).toHaveText('Liu Bei');
  await expect(page.getByTestId('signature')).toHaveText('valid');
  // The timeline: Flask itself opened the forged session (no refusal), as Liu Bei.
  await showPageReads(page);
  await openRequest(page, 'GET /api/state');
  await expect(page.locator('#details-body [data-testid="rejected-session"]')).toHaveCount(0);
  await expect(page.locator('#details-body section[aria-label="Session before"]')).toContainText('"username": "Liu Bei"');
});

test('rotation: with the old key as a fallback the cookie still verifies; without, Flask refuses it', async ({ labPage: page }) => {
  const lesson = await openLesson(page, 'The secret key');
  await logIn(page, { mechanism: 'session', username: 'Tom' });
  await expect(serverUser(page, 'session')).toHaveText('Tom');

  await lesson.getByRole('button', { name: 'Rotate, old key kept as fallback' }).click();
  await expect(lesson.getByTestId('signing-key')).toContainText('a generated key');
  await expect(lesson.getByTestId('fallback-keys')).toContainText('this server\'s key');
  await expect(lesson.getByTestId('secret-finding')).toContainText('accepted (verified by the fallback key): the server believes Tom');
  await expect(page.getByTestId('verified-by')).toContainText('the fallback key');

  await lesson.getByRole('button', { name: 'Rotate, no fallback' }).click();
  await expect(lesson.getByTestId('fallback-keys')).toHaveText('none');
  await expect(lesson.getByTestId('secret-finding')).toContainText('refused (bad_signature): the server believes nobody');
  await expect(serverUser(page, 'session')).toHaveText('nobody');
  await showPageReads(page);
  await openRequest(page, 'GET /api/state');
  await expect(page.locator('#details-body [data-testid="rejected-session"]')).toContainText('bad_signature');
});
