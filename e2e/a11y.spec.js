import AxeBuilder from '@axe-core/playwright';
import { test, expect, logIn, openRequest } from './fixtures.js';

for (const colorScheme of ['light', 'dark']) {
  test.describe(`${colorScheme} scheme`, () => {
    test.use({ colorScheme });

    test('no serious or critical axe violations', async ({ labPage: page }) => {
      await logIn(page, { mechanism: 'session' });
      await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
      await openRequest(page, 'GET /api/error/exception');
      for (const summary of await page.locator('details.explain summary').all()) await summary.click();

      const results = await new AxeBuilder({ page }).analyze();
      const bad = results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
      expect(bad).toEqual([]);
    });
  });
}
