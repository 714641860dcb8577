// The demo blueprint's hooks both ways, after_this_request, streaming.
import { test, expect, openLesson, openRequest, scopedSteps, expectOrder, stepNote } from './fixtures.js';

test('app before blueprint going in, blueprint before app going out', async ({ labPage: page }) => {
  const lesson = await openLesson(page, 'Blueprint hooks');
  await lesson.getByRole('button', { name: 'Both orders' }).click();
  await expect(lesson.getByTestId('scope-order')).toHaveText('Going in, before_request: app → demo. Going out, after_request: demo → app; teardown_request: demo → app.');
  await openRequest(page, 'GET /demo/flask/hooks');
  const steps = await scopedSteps(page);
  expectOrder(steps, ['url_value_preprocessor (demo)', 'before_request (app)', 'before_request (demo)', 'view (demo)',
    'after_request (demo)', 'after_request (app)', 'save_session (app)', 'teardown_request (demo)', 'teardown_request (app)']);
});

test('after_this_request: the callback ran before the blueprint\'s after_request saw the response', async ({ labPage: page }) => {
  const lesson = await openLesson(page, 'Blueprint hooks');
  await lesson.getByRole('button', { name: 'after_this_request' }).click();
  await expect(lesson.locator('#blueprint-result')).toContainText('X-After-This-Request: ran');
  await openRequest(page, 'GET /demo/flask/after-this-request');
  await expect(stepNote(page, 'after_request').first()).toContainText('saw the header the after_this_request callback set');
});

test('stream_with_context: teardown ran when the view returned, before the body', async ({ labPage: page }) => {
  const lesson = await openLesson(page, 'Blueprint hooks');
  await lesson.getByLabel('Word in the URL').fill('river');
  await lesson.getByRole('button', { name: 'stream_with_context' }).click();
  const result = lesson.locator('#blueprint-result');
  await expect(result.getByTestId('stream-finding')).toHaveText('Teardown ran when the view returned, before any of the body was produced.');
  await expect(result).toContainText('teardown_request pass 1');
  await expect(result).toContainText('0 chunks produced by then');
  await expect(result).toContainText(/chunk 2 produced at \+\d/);
  await openRequest(page, 'GET /demo/river/stream');
  await expect(stepNote(page, 'teardown_request').first()).toContainText('teardown pass 1: 0 chunks of the body produced by then');
});

test.describe('after the merge', () => {

  test('the after_this_request callback is a step, before every after_request', async ({ labPage: page }) => {
    const lesson = await openLesson(page, 'Blueprint hooks');
    await lesson.getByRole('button', { name: 'after_this_request' }).click();
    await expect(lesson.getByTestId('after-this-request-finding')).toContainText('before the first after_request hook');
    await openRequest(page, 'GET /demo/flask/after-this-request');
    expectOrder(await scopedSteps(page), ['view (demo)', 'after_this_request (app)', 'after_request (demo)', 'after_request (app)']);
    await expect(page.locator('#details-body tr[data-step="after_this_request"] .fn')).toContainText('mark_response');
  });

  test('stream_with_context: teardown\'s second pass, after the last chunk, is in the trace', async ({ labPage: page }) => {
    const lesson = await openLesson(page, 'Blueprint hooks');
    await lesson.getByRole('button', { name: 'stream_with_context' }).click();
    const result = lesson.locator('#blueprint-result');
    await expect(result).toContainText(/teardown_request pass 2 at \+[\d.]+ (ms|s): 3 chunks produced by then/);
    await expect(result).toContainText('Teardown ran again after the last chunk');
  });
});
