// Other sites make no labs without a click, done for real in Chromium: a page on
// another site (http://localhost:<other port>, another site than http://127.0.0.1 for
// Chromium) prefetches a lab's link with speculation rules, or navigates to it from a
// script. Neither may make the lab again; a link the visitor clicks does.
import http from 'node:http';
import { test, expect } from './fixtures.js';

let other;
let otherOrigin;

// Another site's page: its body from the query (the test writes it).
test.beforeAll(async () => {
  other = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(url.searchParams.get('body') || '');
  });
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherOrigin = `http://localhost:${other.address().port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => other.close(resolve));
});

/** A well-formed lab id the server does not know (as after a restart). */
function unknownLab() {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: 22 }, () => chars[Math.floor(Math.random() * chars.length)]).join('');
}

/** Whether the server has the lab, asked in a way that cannot make it again (the
 *  request says another site's script made it). */
async function exists(request, lab) {
  const res = await request.get(`/api/labs/current?lab=${lab}`, {
    headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' },
  });
  return res.status() === 200;
}

async function visitOther(page, body) {
  await page.goto(`${otherOrigin}/?body=${encodeURIComponent(body)}`);
}

test('a speculation-rules prefetch from another site makes no lab', async ({ page, baseURL, request }) => {
  const lab = unknownLab();
  const target = `${baseURL}/?lab=${lab}`;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Preload.enable');
  const settled = new Promise((resolve) => {
    cdp.on('Preload.prefetchStatusUpdated', (event) => {
      if (event.prefetchUrl === target && ['Ready', 'Success', 'Failure', 'NotSupported'].includes(event.status)) resolve(event);
    });
  });
  const rules = JSON.stringify({ prefetch: [{ source: 'list', urls: [target] }] });
  await visitOther(page, `<title>another site</title><script type="speculationrules">${rules}</script>`);
  const outcome = await settled; // the browser says the prefetch request is done
  expect(outcome.prefetchUrl).toBe(target);
  expect(await exists(request, lab)).toBe(false);
});

test('a script navigation from another site lands on a link, and the click makes the lab', async ({ page, baseURL, request }) => {
  const lab = unknownLab();
  await visitOther(page, `<title>another site</title><script>location.href = ${JSON.stringify(`${baseURL}/?lab=${lab}`)}</script>`);
  await page.waitForURL(`${baseURL}/?lab=${lab}`);
  const open = page.getByRole('link', { name: 'Open the lab' });
  await expect(open).toBeVisible();
  expect(await exists(request, lab)).toBe(false);
  await open.click();
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
  expect(await exists(request, lab)).toBe(true);
});

test('a link clicked on another site still brings the lab back', async ({ page, baseURL, request }) => {
  const lab = unknownLab();
  await visitOther(page, `<title>another site</title><a href="${baseURL}/?lab=${lab}">our lab</a>`);
  await page.getByRole('link', { name: 'our lab' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
  expect(await exists(request, lab)).toBe(true);
});
