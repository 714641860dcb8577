// axe-core on the page's states, each in the light and the dark scheme: the state is
// reached once and checked in both (the schemes differ only in CSS media queries).
import AxeBuilder from '@axe-core/playwright';
import { test, expect, logIn, openRequest } from './fixtures.js';

const SCHEMES = ['light', 'dark'];

/** axe's violations on the page as it is, each as "id (impact): help (targets)". */
async function violations(page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map((v) => ({
    impact: v.impact,
    text: `${v.id} (${v.impact}): ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`,
  }));
}

/** The violations `keep` selects in each scheme, by scheme: an empty list each is a pass. */
async function inEachScheme(page, keep = () => true) {
  const found = {};
  for (const colorScheme of SCHEMES) {
    // Reduced motion: no CSS transition fades the old scheme's colours out while axe
    // reads them (style.css only drops animations and transitions for it).
    await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
    found[colorScheme] = (await violations(page)).filter(keep).map((v) => v.text);
  }
  return found;
}

const NONE = Object.fromEntries(SCHEMES.map((s) => [s, []]));

test('no serious or critical axe violations, light and dark', async ({ labPage: page }) => {
  test.setTimeout(180_000); // a login, every explanation opened and two axe passes: 90 s ran out beside two CPU hogs
  await logIn(page, { mechanism: 'session' });
  await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
  await openRequest(page, 'GET /api/error/exception');
  for (const summary of await page.locator('details.explain summary:visible').all()) await summary.click();
  expect(await inEachScheme(page, (v) => v.impact === 'serious' || v.impact === 'critical')).toEqual(NONE);
});

test('no axe violations at all with every lesson open and showing results, light and dark', async ({ labPage: page }) => {
  test.setTimeout(240_000); // seven lessons' requests and two axe passes: 114 s beside two CPU hogs
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
  expect(await inEachScheme(page)).toEqual(NONE);
});

// The richer states: the waterfall on, every wire section open, the phone's
// last-request strip; no violations at all, in both schemes.
test('no axe violations at all: waterfall on, every wire section open, then the phone strip, light and dark', async ({ labPage: page }) => {
  test.setTimeout(240_000); // four axe runs: 114 s beside two CPU hogs
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
  expect(await inEachScheme(page)).toEqual(NONE);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await expect(page.locator('#last-request')).toBeInViewport();
  expect(await inEachScheme(page)).toEqual(NONE);
});
