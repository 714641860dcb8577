import AxeBuilder from '@axe-core/playwright';
import { test, expect, logIn, openRequest } from './fixtures.js';

for (const colorScheme of ['light', 'dark']) {
  test.describe(`${colorScheme} scheme`, () => {
    test.use({ colorScheme });

    test('no serious or critical axe violations', async ({ labPage: page }) => {
      test.setTimeout(60_000); // a login, every explanation opened and an axe pass: 30 s ran out at a load average of 40
      await logIn(page, { mechanism: 'session' });
      await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
      await openRequest(page, 'GET /api/error/exception');
      for (const summary of await page.locator('details.explain summary:visible').all()) await summary.click();

      const results = await new AxeBuilder({ page }).analyze();
      const bad = results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
      expect(bad).toEqual([]);
    });
  });
}

for (const colorScheme of ['light', 'dark']) {
  test.describe(`lessons, ${colorScheme} scheme`, () => {
    test.use({ colorScheme });

    test('no axe violations at all with every lesson open and showing results', async ({ labPage: page }) => {
      test.setTimeout(90_000); // seven lessons' requests and an axe pass: 60 s ran out at a load average of 65
      await logIn(page, { mechanism: 'session' });
      for (const summary of await page.locator('details.lesson > summary').all()) await summary.click();
      await page.getByRole('button', { name: 'GET /comment', exact: true }).click();
      await expect(page.locator('#tutorial-result')).toContainText('login in comments first');
      await page.getByRole('button', { name: 'Compare: abort(500) and a raise, switch off and on' }).click();
      await expect(page.locator('#propagate-table')).toBeVisible({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Both orders' }).click();
      await expect(page.getByTestId('scope-order')).toBeVisible();
      await page.getByRole('button', { name: 'Copy my cookies now' }).click();
      await page.getByRole('button', { name: 'Replay the copy' }).click();
      await expect(page.locator('#replay-table')).toBeVisible();
      await page.getByRole('button', { name: 'Fill', exact: true }).click();
      await expect(page.getByTestId('fill-facts')).toBeVisible();
      await expect(page.getByTestId('signing-key')).toBeVisible();
      await openRequest(page, 'POST /api/session/fill');

      const results = await new AxeBuilder({ page }).analyze();
      const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
      expect(found).toEqual([]);
    });
  });
}

// The richer states: the waterfall on, every wire section open, the phone's
// last-request strip; no violations at all, in both schemes.
for (const colorScheme of ['light', 'dark']) {
  test.describe(`waterfall, wire and strip states, ${colorScheme} scheme`, () => {
    test.use({ colorScheme });

    test('no axe violations at all: waterfall on, every wire section open, then the phone strip', async ({ labPage: page }) => {
      test.setTimeout(120_000); // two axe runs: one took 11 s, and the test 60 s, beside two CPU hogs
      const axe = async () => {
        const results = await new AxeBuilder({ page }).analyze();
        return results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
      };
      await logIn(page, { mechanism: 'session' });
      await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
      await page.getByRole('checkbox', { name: 'Waterfall' }).check();
      await openRequest(page, 'GET /api/error/exception');
      await expect(page.getByRole('region', { name: /^Steps of GET \/api\/error\/exception/ })).toBeVisible();
      const sections = page.locator('#details-body details.wire');
      await expect(sections.first()).toBeVisible();
      for (const section of await sections.all()) {
        if (!(await section.evaluate((el) => el.open))) await section.locator('summary').click();
      }
      expect(await axe()).toEqual([]);

      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
      await expect(page.locator('#last-request')).toBeInViewport();
      expect(await axe()).toEqual([]);
    });
  });
}
