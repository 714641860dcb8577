import { test, expect, logIn, serverUser, loginStatus } from './fixtures.js';

// Every text the countdown shows, recorded by the page itself as it changes: on a busy
// machine a 3 second lifetime can run out before a polling assertion looks (CI ran this
// beside 30 browsers and saw only "expired"), and the record still shows the count.
const recordCountdown = (page) => page.evaluate(() => {
  window.countdownTexts = [];
  const text = document.querySelector('#countdown-text');
  new MutationObserver(() => window.countdownTexts.push(text.textContent))
    .observe(text, { childList: true, characterData: true, subtree: true });
});

for (const mechanism of ['cookie', 'session']) {
  test(`a 3 second ${mechanism} cookie counts down and expires`, async ({ labPage: page }) => {
    await recordCountdown(page);
    const answer = await logIn(page, { mechanism, lifetime: '3 seconds' });
    expect(answer.status()).toBe(200);
    expect(await answer.headerValue('set-cookie')).toMatch(mechanism === 'cookie' ? /Max-Age=3/ : /Expires=/);
    const countdown = page.locator('#countdown');
    await expect(countdown).toBeVisible();
    await expect(countdown).toContainText('expired', { timeout: 10_000 });

    const texts = await page.evaluate(() => window.countdownTexts);
    const name = mechanism === 'cookie' ? 'username' : 'session';
    const left = texts.map((t) => t.match(new RegExp(`^${name} cookie expires in (\\d\\.\\d) s$`))?.[1])
      .filter(Boolean).map(Number);
    expect(left.length, `countdown texts: ${texts.join(' | ')}`).toBeGreaterThan(1);
    expect(left[0]).toBeLessThanOrEqual(3);
    expect(left, 'it counts down').toEqual([...left].sort((a, b) => b - a));
    expect(texts.at(-1)).toBe(`${name} cookie expired: the browser no longer sends it.`);
    // The browser dropped the cookie, so the server no longer knows us.
    await expect(serverUser(page, mechanism)).toHaveText('nobody', { timeout: 10_000 });
    await expect(loginStatus(page)).toContainText('Not logged in');
  });
}
