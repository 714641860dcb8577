// Shared fixtures: a fresh lab per test, the page opened in it, and a second browser
// (its own context: its own cookies and client id) watching the same lab.
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect } from '@playwright/test';

export { expect };

export async function openLab(page, lab, { owner = false } = {}) {
  await page.goto(owner ? lab.teacher_url : lab.url);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
  await expect(page.locator('#connection')).toHaveAttribute('data-state', 'live');
}

export const test = base.extend({
  lab: async ({ request }, use) => {
    const res = await request.post('/api/labs');
    expect(res.status()).toBe(201);
    await use(await res.json());
  },
  // The page that made the lab owns it: it opens the teacher link (the owner token),
  // as the browser that POSTed /api/labs would hold it. otherPage is a participant.
  labPage: async ({ page, lab }, use) => {
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await openLab(page, lab, { owner: true });
    await use(page);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
  otherPage: async ({ browser, lab }, use) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await openLab(page, lab);
    await use(page);
    await context.close();
  },
});

// -- helpers, in the playground's words --------------------------------------------

const MECHANISM_LABELS = { cookie: 'Plain cookie', session: 'Signed session', 'server-session': 'Server-side session' };

export async function chooseMechanism(page, mechanism) {
  await page.getByRole('radio', { name: MECHANISM_LABELS[mechanism] }).check();
}

export async function logIn(page, {
  mechanism = 'cookie', username = 'Tom', password = '123', lifetime = 'Browser session', samesite = '', secure = false,
} = {}) {
  await chooseMechanism(page, mechanism);
  const form = page.locator('#login-form');
  await form.getByRole('textbox', { name: 'Username', exact: true }).fill(username);
  await form.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Cookie lifetime').selectOption({ label: lifetime });
  await form.getByLabel('SameSite').selectOption(samesite);
  await form.getByRole('checkbox', { name: 'Secure' }).setChecked(secure);
  // Wait for the answer: its Set-Cookie lands in the browser before the next step,
  // so a test that then rewrites a cookie is not overtaken by the login's own.
  const answered = page.waitForResponse((res) => res.request().method() === 'POST'
    && new URL(res.url()).pathname === `/api/${mechanism}/login`);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  return answered;
}

export function loginStatus(page) {
  return page.locator('#login-status');
}

/** The server's view of who is logged in by one mechanism (Inspector). */
export function serverUser(page, mechanism) {
  return page.locator(`#inspector-body tr[data-mechanism="${mechanism}"] td`);
}

export function lastResponse(page) {
  return page.locator('#last-response');
}

export function rows(page, text) {
  const all = page.locator('#timeline-list [role="option"]');
  return text ? all.filter({ hasText: text }) : all;
}

/** Select the newest request matching `text` and wait for its response. */
/** "Hide page reads" is on by default: a test about the page's own reads shows them. */
export async function showPageReads(page) {
  await page.getByLabel('Hide page reads').uncheck();
}

export async function openRequest(page, text) {
  const row = rows(page, text).last();
  await expect(row).toBeVisible();
  await row.click();
  // The pane is drawn once its module has loaded: its last step row, then a final status.
  await expect(page.locator('#details-body tr[data-step="appcontext_popped"]').last()).toBeAttached();
  await expect(page.locator('#details-body .status-badge')).not.toHaveText(/pending/);
}

/** Step names of the selected request, in the order the page shows them. */
export function stepNames(page) {
  return page.locator('#details-body tr[data-step]').evaluateAll((trs) => trs.map((tr) => tr.dataset.step));
}

/** Assert `names` appear in this relative order within `steps`. */
export function expectOrder(steps, names) {
  const positions = names.map((n) => steps.indexOf(n));
  for (const [i, p] of positions.entries()) {
    expect(p, `${names[i]} in ${steps.join(', ')}`).toBeGreaterThanOrEqual(0);
  }
  expect(positions, `order of ${names.join(' < ')} in ${steps.join(', ')}`).toEqual([...positions].sort((a, b) => a - b));
}

/** The note line shown under a step in the details panel. */
export function stepNote(page, step) {
  return page.locator(`#details-body tr[data-step="${step}"] + tr.note-row`);
}

/** Open a lesson by the words of its title; returns the lesson's element. */
export async function openLesson(page, title) {
  const lesson = page.locator('details.lesson').filter({ has: page.locator('summary', { hasText: title }) });
  if (!(await lesson.evaluate((el) => el.open))) await lesson.locator(':scope > summary').click();
  return lesson;
}

/** Hook steps of the selected request as "name (scope)", scope "app" or the blueprint's name. */
export function scopedSteps(page) {
  return page.locator('#details-body tr[data-step]').evaluateAll((trs) => trs.map((tr) => {
    const bp = tr.querySelector('.bp')?.textContent.trim().replace(/[()]/g, '');
    return `${tr.dataset.step} (${bp || 'app'})`;
  }));
}

/**
 * No axe-core violations in the parts of the page a test opened (`parts`: selectors).
 * e2e/a11y.spec.js checks the whole page in each of its states, in both schemes; a
 * whole-page pass costs 5-8 s of CPU on a 2-core machine, a part about 1.5 s.
 */
export async function expectNoAxeViolations(page, ...parts) {
  const axe = new AxeBuilder({ page });
  for (const part of parts) axe.include(part);
  const results = await axe.analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`)).toEqual([]);
}
