// The left panel: mechanism, login, comments, cookie clearing, errors on purpose.
// Binds the static form in index.html to actions, and renders what state says.

import { $, $$, h, fill } from './dom.js';
import { MECHANISMS } from './mechanisms.js';
import { colourStyle } from './people.js';
import { clientName, formatClock, formatCountdown, isWerkzeugErrorPage, responseMessage, statusClass, statusText } from './format.js';

export function createControls(actions, { people, me }) {
  const renderComments = createComments($('#comments'), people, me);
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

const SHOWN_COMMENTS = 50;

/**
 * The comments list, each drawn once (by id): a burst of comment events appends a few
 * items, never rebuilds the list nor reads layout. The list keeps to its end by CSS
 * (style.css: .comments-box). Each shows who posted it (`by`: chip, display name) and
 * the account it was posted as; all redrawn when a name or colour is learned.
 */
function createComments(list, people, me) {
  const drawn = new Map(); // comment id -> its <li>
  let seen = null;
  let peopleSeen = null;
  return (comments) => {
    if (comments === seen && people.version === peopleSeen) return;
    if (people.version !== peopleSeen) {
      drawn.clear();
      list.replaceChildren();
      peopleSeen = people.version;
    }
    seen = comments;
    const shown = (comments ?? []).slice(-SHOWN_COMMENTS);
    const keep = new Set(shown.map((c) => c.id));
    for (const [id, li] of drawn) {
      if (!keep.has(id)) {
        li.remove();
        drawn.delete(id);
      }
    }
    if (!shown.length) fill(list, h('li', { class: 'empty' }, 'No comments yet.'));
    else list.querySelector('.empty')?.remove();
    for (const c of shown) {
      if (drawn.has(c.id)) continue;
      drawn.set(c.id, commentItem(c, people, me));
      list.append(drawn.get(c.id));
    }
  };
}

function commentItem(c, people, me) {
  const key = c.by?.client ?? null;
  const poster = key && h('span', { class: 'client-chip poster', title: `Posted by ${key}` },
    h('span', { class: 'swatch', 'aria-hidden': 'true' }),
    key === me ? 'you' : people.name(key) ?? c.by.name ?? clientName(key));
  if (poster) for (const [name, value] of Object.entries(colourStyle(people.colour(key)))) poster.style.setProperty(name, value);
  return h('li', { class: 'comment' },
    h('div', { class: 'comment-meta' },
      poster,
      h('span', { class: poster ? 'as' : null }, poster ? 'as ' : null, h('strong', { class: 'author' }, c.author)),
      h('span', { class: `mech m-${c.mechanism}` }, MECHANISMS[c.mechanism]?.label ?? c.mechanism),
      h('time', {}, formatClock(c.time))),
    h('p', { class: 'comment-text' }, c.text));
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
