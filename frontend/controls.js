// The left panel: mechanism, login, comments, cookie clearing, errors on purpose.
// Binds the static form in index.html to actions, and renders what state says.

import { $, $$, h, fill } from './dom.js';
import { MECHANISMS } from './mechanisms.js';
import { formatCountdown } from './format.js';

export function createControls(actions, { people, me }) {
  const show = lazyViews(people, me);
  bindMechanism(actions);
  bindLogin(actions);
  bindComment(actions);
  bindButtons(actions);
  bindSettings(actions);

  return {
    update(state) {
      const mech = MECHANISMS[state.mechanism];
      for (const radio of $$('input[name="mechanism"]')) radio.checked = radio.value === state.mechanism;
      $('#mechanism-summary').textContent = mech.summary;
      renderLoginStatus(state, mech);
      renderSettings(state.server?.settings);
      show(state.comments, state.lastResponse);
      renderCountdown(state, mech);
    },
    tick(state) {
      renderCountdown(state, MECHANISMS[state.mechanism]);
    },
  };
}

// controls-views.js: loaded with the first comment or response.
function lazyViews(people, me) {
  let views = null;
  return async (comments, res) => {
    if (!comments?.length && !res && !views) return;
    views ??= import('./controls-views.js').then((m) => ({ comments: m.createComments($('#comments'), people, me), response: m.renderResponse }));
    const { comments: drawComments, response } = await views;
    drawComments(comments);
    response(res);
  };
}

function bindMechanism(actions) {
  for (const radio of $$('input[name="mechanism"]')) {
    radio.addEventListener('change', () => radio.checked && actions.setMechanism(radio.value));
  }
}

function bindLogin(actions) {
  const loginForm = $('#login-form');
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
}

function bindComment(actions) {
  $('#comment-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('#comment-text');
    const text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    if (await actions.comment(text)) input.value = '';
  });
}

function bindButtons(actions) {
  for (const button of $$('[data-clear]')) {
    button.addEventListener('click', () => actions.clearCookies(button.dataset.clear === 'all' ? null : [button.dataset.clear]));
  }

  for (const button of $$('[data-error]')) {
    button.addEventListener('click', () => actions.error(button.dataset.error));
  }
  $('#slow').addEventListener('click', () => actions.slow(3000));
}

function bindSettings(actions) {
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

function renderCountdown(state, mech) {
  const box = $('#countdown');
  const { at: expiry = null, start } = state.expiries.get(mech.cookie) ?? {};
  if (expiry === null) {
    if (!box.hidden) box.hidden = true; // written every tick, it would restyle the page
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
