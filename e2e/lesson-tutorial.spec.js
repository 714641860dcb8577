// The tutorial's literal app, one click away, measured in the timeline.
import { test, expect, openLesson, openRequest, serverUser, stepNames, expectOrder, stepNote } from './fixtures.js';

async function tutorial(page, route) {
  await page.getByRole('button', { name: route }).click();
}

test('the tutorial\'s /comment reads only its cookie: a session login is invisible to it', async ({ labPage: page }) => {
  const lesson = await openLesson(page, 'The tutorial\'s app');
  const result = lesson.locator('#tutorial-result');

  await tutorial(page, 'POST /session/login');
  await expect(result).toContainText('Login succeeded!');
  await expect(serverUser(page, 'session')).toHaveText('Tom');
  await tutorial(page, 'GET /comment');
  await expect(result).toContainText('No login, login in comments first');
  await expect(result).toContainText('The signed session says Tom, but the tutorial\'s /comment reads only the username cookie');
  await openRequest(page, 'GET /comment');
  await expect(page.locator('#details-body')).toContainText('endpoint classic.do_comment');

  await tutorial(page, 'POST /login (cookie)');
  await expect(serverUser(page, 'cookie')).toHaveText('Tom');
  await tutorial(page, 'GET /comment');
  await expect(result).toContainText('Comment succeeded:Tom');
});

test('the tutorial\'s failed form login answers 200, and /error gets its custom 500 page', async ({ labPage: page }) => {
  const lesson = await openLesson(page, 'The tutorial\'s app');
  const result = lesson.locator('#tutorial-result');
  await lesson.getByLabel('Password').fill('wrong');
  await tutorial(page, 'POST /login (cookie)');
  await expect(result.locator('.status-badge')).toHaveText('200');
  await expect(result).toContainText('Login failed!');
  await expect(serverUser(page, 'cookie')).toHaveText('nobody');

  await tutorial(page, 'GET /error');
  await expect(result.locator('.status-badge')).toHaveText('500');
  await expect(result).toContainText('The administrator\'s phone number is 1111');
  await openRequest(page, 'GET /error');
  const steps = await stepNames(page);
  expectOrder(steps, ['before_request', 'view', 'errorhandler', 'after_request', 'teardown_request']);
  expect(steps).not.toContain('got_request_exception');
  await expect(stepNote(page, 'teardown_request').first()).toContainText('received None');
});

test.describe('after the merge', () => {

  test('the tutorial\'s prints appear on their steps', async ({ labPage: page }) => {
    const lesson = await openLesson(page, 'The tutorial\'s app');
    await tutorial(page, 'POST /login (cookie)');
    await expect(lesson.locator('#tutorial-result')).toContainText('captured: see them under the steps');
    await openRequest(page, 'POST /login');
    const output = (step) => page.locator(`#details-body tr[data-output-of="${step}"]`);
    await expect(output('before_request').first()).toContainText('before_request');
    await expect(output('after_request').first()).toContainText('after_request');
    await expect(output('teardown_request').first()).toContainText('teardown_request');
  });

  test('the tutorial\'s teardown "return error" is shown as a value Flask ignores', async ({ labPage: page }) => {
    await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
    await openRequest(page, 'GET /api/error/exception');
    const teardown = page.locator('#details-body tr[data-step="teardown_request"]').filter({ hasText: 'func4' });
    await expect(teardown.locator('xpath=following-sibling::tr[1]')).toContainText('returned ZeroDivisionError: division by zero: Flask ignores what a teardown function returns');
  });
});
