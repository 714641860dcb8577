// A splitter between the request list and the details (keyboard and pointer),
// and a projector (1280×720) that shows more rows and the whole "Took" column.
import { test, expect, logIn, openRequest, expectNoAxeViolations } from './fixtures.js';

test.use({ viewport: { width: 1280, height: 720 } });

test('at 1280×720 with details open: at least 8 rows and the Took column in view', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'session' });
  await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
  await openRequest(page, 'GET /api/error/exception');
  const listHeight = await page.locator('#timeline-list').evaluate((el) => el.clientHeight);
  expect(Math.floor(listHeight / 30), `list ${listHeight}px high`).toBeGreaterThanOrEqual(8);
  const took = await page.locator('#details-body .steps th', { hasText: 'Took' }).boundingBox();
  const panel = await page.locator('#details').boundingBox();
  expect(took.x + took.width).toBeLessThanOrEqual(panel.x + panel.width);
});

test('the splitter resizes the details by keyboard and by dragging', async ({ labPage: page }) => {
  await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await openRequest(page, 'GET /api/error/404');
  const splitter = page.getByRole('separator', { name: /Resize the request list/ });
  const height = () => page.locator('#details').evaluate((el) => el.getBoundingClientRect().height);
  const before = await height();
  await splitter.focus();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await expect(splitter).toHaveAttribute('aria-valuenow', '50');
  expect(await height()).toBeGreaterThan(before + 20);
  await page.keyboard.press('End');
  await expect(splitter).toHaveAttribute('aria-valuenow', '15');
  const box = await splitter.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + 3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y - 200, { steps: 5 });
  await page.mouse.up();
  expect(Number(await splitter.getAttribute('aria-valuenow'))).toBeGreaterThan(30);
  await expectNoAxeViolations(page, '.timeline-panel');
});
