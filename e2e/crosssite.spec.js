// Cross-site request forgery, done for real: a page on another site
// (http://localhost:<other port>, a different site from http://127.0.0.1:<port> for
// Chromium) auto-submits a form at the playground while the victim is logged in.
// Every attempt must be refused with 403 cross_site and change nothing.
import http from 'node:http';
import { test, expect, logIn } from './fixtures.js';

let evil;
let evilOrigin;

// The attacker's page: one form, its fields from the query, submitted on load.
function attackPage(target, fields) {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input name="${k}" value="${v}">`).join('');
  return `<!doctype html><title>win a prize</title>
<form method="post" action="${target}">${inputs}</form>
<script>document.forms[0].submit()</script>`;
}

test.beforeAll(async () => {
  evil = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const target = url.searchParams.get('target');
    const fields = JSON.parse(url.searchParams.get('fields') || '{}');
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(attackPage(target, fields));
  });
  await new Promise((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilOrigin = `http://localhost:${evil.address().port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => evil.close(resolve));
});

/** Open the attacker's page in the victim's browser; answer the status and body the
 *  playground gave the forged form post. */
async function forge(page, baseURL, path, lab, fields = {}) {
  const target = `${baseURL}${path}?lab=${lab.id}`;
  const answered = page.waitForResponse((res) => res.url() === target);
  await page.goto(`${evilOrigin}/?target=${encodeURIComponent(target)}&fields=${encodeURIComponent(JSON.stringify(fields))}`);
  const response = await answered;
  return { status: response.status(), body: await response.json() };
}

async function serverState(page, lab) {
  const res = await page.context().request.get(`/api/state?lab=${lab.id}`);
  return res.json();
}

const USERS = { cookie: 'cookie', session: 'session', 'server-session': 'server-session' };

test('forged form posts from another site are refused and change nothing', async ({ labPage, lab, baseURL }) => {
  for (const mechanism of Object.keys(USERS)) {
    await logIn(labPage, { mechanism });
    await expect(labPage.locator(`#inspector-body tr[data-mechanism="${mechanism}"] td`)).toContainText('Tom');
  }
  const attacker = await labPage.context().newPage();
  const attempts = [
    ['/api/cookie/comment', { text: 'forged' }], ['/api/session/comment', { text: 'forged' }],
    ['/api/server-session/comment', { text: 'forged' }],
    ['/api/cookie/logout'], ['/api/session/logout'], ['/api/server-session/logout'],
    ['/api/cookies/clear'],
  ];
  let refused = 0;
  for (const [path, fields] of attempts) {
    const { status, body } = await forge(attacker, baseURL, path, lab, fields);
    expect(status, path).toBe(403);
    expect(body.error, path).toBe('cross_site');
    refused += 1;
  }
  expect(refused).toBe(attempts.length);
  const state = await serverState(attacker, lab);
  for (const mechanism of Object.keys(USERS)) {
    expect(state.mechanisms[mechanism].user, `${mechanism} still logged in`).toBe('Tom');
  }
  const comments = await (await attacker.context().request.get(`/api/comments?lab=${lab.id}`)).json();
  expect(comments.comments).toEqual([]);
});

test('login CSRF from another site is refused, on the tutorial\'s form route and the API', async ({ page, lab, baseURL }) => {
  for (const path of ['/login', '/api/session/login', '/api/server-session/login']) {
    const { status, body } = await forge(page, baseURL, path, lab, { username: 'Liu Bei', password: '123' });
    expect(status, path).toBe(403);
    expect(body.error, path).toBe('cross_site');
  }
  const cookies = await page.context().cookies(baseURL);
  expect(cookies.map((c) => c.name)).toEqual([]);
  const state = await serverState(page, lab);
  expect(state.mechanisms.cookie.user).toBeNull();
  expect(state.mechanisms.session.user).toBeNull();
});

test('the playground\'s own page still acts (same origin)', async ({ labPage }) => {
  await logIn(labPage, { mechanism: 'session' });
  await expect(labPage.locator('#inspector-body tr[data-mechanism="session"] td')).toContainText('Tom');
});
