// Desktop, projector and phone sizes, light and dark, as the lab's owner and as a
// participant (issue 10): the page never scrolls sideways, and a screenshot of each is
// left in test-results/shots/ for a person to look at.
import { test, expect, logIn, openRequest } from './fixtures.js';

const SIZES = { desktop: [1440, 900], projector: [1280, 720], phone: [390, 844] };

for (const [name, [width, height]] of Object.entries(SIZES)) {
  for (const colorScheme of ['light', 'dark']) {
    test(`${name} ${colorScheme}`, async ({ labPage: page, otherPage: other }) => {
      await other.getByRole('button', { name: 'abort(404)' }).click();
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width, height });
      await logIn(page, { mechanism: 'session' });
      await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
      await openRequest(page, 'GET /api/error/exception');
      await page.screenshot({ path: `test-results/shots/${name}-${colorScheme}-owner.png` });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await other.emulateMedia({ colorScheme });
      await other.setViewportSize({ width, height });
      await other.getByRole('button', { name: 'Clear my view' }).click();
      await other.getByRole('button', { name: 'abort(403)' }).click();
      await expect(other.locator('#lab-activity')).toBeVisible();
      await other.screenshot({ path: `test-results/shots/${name}-${colorScheme}-participant.png` });
      expect(await other.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    });
  }
}
