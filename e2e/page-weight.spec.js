// The page stays light: everything it loads (HTML, modules, stylesheet), measured in the browser.
import { test, expect } from './fixtures.js';

test('the page loads under 150 KB uncompressed', async ({ page, lab }) => {
  const sizes = new Map();
  page.on('response', async (res) => {
    const url = new URL(res.url());
    if (url.pathname === '/' || url.pathname.startsWith('/static/')) sizes.set(url.pathname, (await res.body()).length);
  });
  await page.goto(lab.url);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  expect(sizes.size).toBeGreaterThan(10);
  expect(total, [...sizes].map(([p, n]) => `${p} ${n}`).join('\n')).toBeLessThan(150_000);
});
