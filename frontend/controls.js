// The left panel: mechanism, login, comments, cookie clearing, errors on purpose.
// Binds the static form in index.html to actions, and renders what state says.

import { $, $$, h, fill } from './dom.js';
import { MECHANISMS } from './mechanisms.js';
import { formatClock, formatCountdown, isWerkzeugErrorPage, responseMessage, statusClass, statusText } from './format.js';

export function createControls(actions) {
  const loginForm = $('#login-form');
  const commentForm = $('#comment-form');

  for (const radio of $$('input[name="mechanism"]')) {
    radio.addEventListener('change', () => radio.checked && actions.setMechanism(radio.value));
  }

  loginForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(loginForm);
    const maxAge = data.get('max_age');
    actions.login({
      username: String(data.get('username') ?? ''),
      password: String(data.get('password') ?? ''),
      maxAge: maxAge ? Number(maxAge) : null,
      samesite: String(data.get('samesite') ?? ''),
      secure: data.get('secure') === 'on',
    });
  });

  $('#logout').addEventListener('click', () => actions.logout());

  for (const chip of $$('[data-account]')) {
    chip.addEventListener('click', () => {
      $('#login-username').value = chip.dataset.account;
      $('#login-password').value = '123';
      $('#login-username').focus();
    });
  }

  commentForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('#comment-text');
    const text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    if (await actions.comment(text)) input.value = '';
  });

  for (const button of $$('[data-clear]')) {
    button.addEventListener('click', () => actions.clearCookies(button.dataset.clear === 'all' ? null : [button.dataset.clear]));
  }

  for (const button of $$('[data-error]')) {
    button.addEventListener('click', () => actions.error(button.dataset.error));
  }
  $('#slow').addEventListener('click', () => actions.slow(3000));

  for (const toggle of $$('[data-setting]')) {
    toggle.addEventListener('change', async () => {
      // While the change is on its way, an older state must not flip the switch back.
      toggle.dataset.busy = 'true';
      try {
        await actions.setSetting(toggle.dataset.setting, toggle.checked);
      } finally {
        delete toggle.dataset.busy;
      }
    });
  }

  return {
    update(state) {
      const mech = MECHANISMS[state.mechanism];
      for (const radio of $$('input[name="mechanism"]')) radio.checked = radio.value === state.mechanism;
      $('#mechanism-summary').textContent = mech.summary;
      renderLoginStatus(state, mech);
      renderSettings(state.server?.settings);
      renderComments(state.comments);
      renderResponse(state.lastResponse);
      renderCountdown(state, mech);
    },
    tick(state) {
      renderCountdown(state, MECHANISMS[state.mechanism]);
    },
  };
}

function renderLoginStatus(state, mech) {
  const user = state.server?.mechanisms?.[state.mechanism]?.user;
  const el = $('#login-status');
  if (!state.server) {
    el.textContent = 'Checking…';
    return;
  }
  el.classList.toggle('in', Boolean(user));
  if (user === null || user === undefined) fill(el, `Not logged in with the ${mech.label}.`);
  else fill(el, 'Logged in as ', h('strong', {}, user), ` with the ${mech.label}.`);
}

function renderSettings(settings) {
  if (!settings) return;
  for (const toggle of $$('[data-setting]')) {
    if (toggle.dataset.busy !== 'true') toggle.checked = Boolean(settings[toggle.dataset.setting]);
  }
}

let renderedComments = null;

function renderComments(comments) {
  if (comments === renderedComments) return;
  renderedComments = comments;
  const list = $('#comments');
  if (!comments?.length) {
    fill(list, h('li', { class: 'empty' }, 'No comments yet.'));
    return;
  }
  fill(list, comments.slice(-50).map((c) => h('li', { class: 'comment' },
    h('div', { class: 'comment-meta' },
      h('strong', { class: 'author' }, c.author),
      h('span', { class: `mech m-${c.mechanism}` }, MECHANISMS[c.mechanism]?.label ?? c.mechanism),
      h('time', {}, formatClock(c.time))),
    h('p', { class: 'comment-text' }, c.text))));
  list.scrollTop = list.scrollHeight;
}

let renderedResponse = null;

function renderResponse(res) {
  if (!res || res === renderedResponse) return;
  renderedResponse = res;
  const body = res.data ? JSON.stringify(res.data, null, 2) : (res.text || '(empty body)');
  const message = responseMessage(res);
  fill($('#last-response'),
    h('p', { class: 'response-line' },
      h('span', { class: 'method' }, res.method), ' ', h('code', {}, res.path), ' → ',
      h('span', { class: `status-badge ${statusClass(res.status)}` },
        `${res.status} ${statusText(res.status)}`)),
    message ? h('p', { class: 'response-msg' }, message) : null,
    res.type.includes('html') ? h('p', { class: 'hint' }, isWerkzeugErrorPage(res.text)
      ? 'An HTML page: Werkzeug\'s default error page, shown here as text.'
      : 'An HTML page, shown here as text.') : null,
    h('pre', { class: 'code', tabindex: '0', 'aria-label': 'Response body' }, body.length > 3000 ? `${body.slice(0, 3000)}…` : body));
}

function renderCountdown(state, mech) {
  const box = $('#countdown');
  const { at: expiry = null, start } = state.expiries.get(mech.cookie) ?? {};
  if (expiry === null) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const left = expiry - state.now;
  const text = left > 0
    ? `${mech.cookie} cookie expires in ${formatCountdown(left)}`
    : `${mech.cookie} cookie expired: the browser no longer sends it.`;
  $('#countdown-text').textContent = text;
  box.classList.toggle('expired', left <= 0);
  const span = start ? expiry - start : 1;
  $('#countdown-fill').style.width = `${Math.max(0, Math.min(1, left / span)) * 100}%`;
}
