// Wiring: the lab and client, the stream into the trace log, actions into the API,
// and state into the views. The only module that fetches is api.js, called from here.

import { createApi, createLab } from './api.js';
import { createStream } from './stream.js';
import { TraceLog, isPageRead } from './trace-log.js';
import { createTimeline } from './timeline.js';
import { renderDetails } from './details.js';
import { renderInspector, tickExpiries } from './inspector.js';
import { createControls } from './controls.js';
import { createLessons } from './lessons.js';
import { TraceWaiters } from './trace-waiters.js';
import { MECHANISMS } from './mechanisms.js';
import { cookieAssignment, cookieExpiry, parseCookies, parseSetCookie } from './cookies.js';
import { forgeSignedCookie } from './signed-session.js';
import { clientHue, clientName, randomId, responseMessage } from './format.js';
import { $, $$, h, fill } from './dom.js';

const CLIENT_KEY = 'statelab.client';
const MECHANISM_KEY = 'statelab.mechanism';

function clientId() {
  let id = localStorage.getItem(CLIENT_KEY);
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    id = randomId(12);
    localStorage.setItem(CLIENT_KEY, id);
  }
  return id;
}

async function resolveLab(client) {
  const requested = new URLSearchParams(location.search).get('lab');
  if (requested) {
    const res = await createApi({ lab: requested, client }).currentLab();
    if (res.ok) return { lab: requested, notice: null };
  }
  const created = await createLab();
  history.replaceState(null, '', created.url ?? `/?lab=${created.id}`);
  const notice = requested
    ? 'That lab no longer exists (idle labs are evicted), so this is a fresh one. Share the new link.'
    : null;
  return { lab: created.id, notice };
}

let toastTimer = null;
function toast(message) {
  const el = $('#toast');
  el.textContent = message;
  el.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('show'), 3500);
}

function banner(message) {
  const el = $('#banner');
  el.hidden = !message;
  el.textContent = message ?? '';
}

/** Re-focus an equivalent control after a view re-renders under the keyboard user. */
function keepFocus(root, renderFn) {
  const active = document.activeElement;
  const key = active && root.contains(active) ? active.getAttribute('aria-label') ?? active.id : null;
  renderFn();
  if (!key) return;
  const again = $$('[aria-label], [id]', root).find((el) => (el.getAttribute('aria-label') ?? el.id) === key);
  if (again) again.focus();
}

async function start() {
  const client = clientId();
  const { lab, notice } = await resolveLab(client);
  const api = createApi({ lab, client });
  const log = new TraceLog();
  const state = {
    mechanism: MECHANISMS[sessionStorage.getItem(MECHANISM_KEY)] ? sessionStorage.getItem(MECHANISM_KEY) : 'cookie',
    server: null,
    comments: null,
    lastResponse: null,
    browser: [],
    rawDocumentCookie: '',
    expiries: new Map(), // cookie name -> { at: ms epoch, or null for a browser-session cookie; start }
    setCookies: new Map(), // cookie name -> the last Set-Cookie for it, parsed (lesson f)
    now: Date.now(),
  };
  banner(notice);

  // Top bar
  $('#lab-id').textContent = lab;
  const me = $('#me-chip');
  me.style.setProperty('--hue', clientHue(client));
  fill(me, h('span', { class: 'swatch', 'aria-hidden': 'true' }), clientName(client));
  me.title = `X-Client-Id: ${client}`;
  $('#copy-link').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      toast('Lab link copied. Open it in another browser to watch this lab.');
    } catch {
      toast(`Copy this link: ${location.href}`);
    }
  });
  $('#new-lab').addEventListener('click', async () => {
    const created = await createLab();
    location.assign(created.url ?? `/?lab=${created.id}`);
  });

  // State refresh: coalesced, so a burst of actions and events costs one round trip.
  let refreshing = null;
  let again = false;
  let wantComments = true;
  let lastRefreshAt = 0;
  async function refresh({ comments = false } = {}) {
    wantComments ||= comments;
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        again = false;
        lastRefreshAt = performance.now();
        const withComments = wantComments;
        wantComments = false;
        const [s, c] = await Promise.all([api.state(), withComments ? api.comments() : null]);
        if (s.ok && s.data) state.server = s.data;
        else if (s.status === 404) banner('This lab has been evicted. Start a new lab to continue.');
        if (c?.ok && c.data) state.comments = c.data.comments;
        render();
      } while (again);
    })().catch(() => toast('Could not reach the server.')).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  // A refresh prompted by the stream: another client's change, or this client's in
  // another tab. This page's own actions refresh as they finish, so an event from this
  // client right after such a refresh needs none.
  let soonTimer = null;
  function refreshSoon({ comments = false, mine = false } = {}) {
    const requestedAt = performance.now();
    if (mine && requestedAt - lastRefreshAt < 300) return;
    wantComments ||= comments;
    clearTimeout(soonTimer);
    soonTimer = setTimeout(() => {
      if (lastRefreshAt < requestedAt || wantComments) refresh();
    }, 150);
  }

  // Actions: each shows its response, then re-reads state.
  let autoSelect = null;
  async function act(method, path, send, { comments = false } = {}) {
    autoSelect = { method, path };
    try {
      const res = await send();
      state.lastResponse = res;
      const msg = responseMessage(res);
      if (msg) toast(`${res.status}: ${msg}`);
      render();
      await refresh({ comments });
      return res;
    } catch {
      toast('Network error: the request did not reach the server.');
      return null;
    }
  }

  const mechanismPath = (suffix) => `/api/${state.mechanism}/${suffix}`;
  const controls = createControls({
    setMechanism(mechanism) {
      state.mechanism = mechanism;
      sessionStorage.setItem(MECHANISM_KEY, mechanism);
      render();
    },
    login: (form) => act('POST', mechanismPath('login'), () => api.login(state.mechanism, form)),
    logout: () => act('POST', mechanismPath('logout'), () => api.logout(state.mechanism)),
    comment: async (text) => {
      const res = await act('POST', mechanismPath('comment'), () => api.comment(state.mechanism, text), { comments: true });
      return Boolean(res?.ok);
    },
    clearCookies: (names) => act('POST', '/api/cookies/clear', () => api.clearCookies(names)),
    error: (kind) => act(kind === 'login-abort' ? 'POST' : 'GET', `/api/error/${kind}`, () => (kind === 'login-abort'
      ? api.error(kind, { username: $('#login-username').value, password: $('#login-password').value })
      : api.error(kind))),
    slow: (ms) => act('GET', '/api/slow', () => api.slow(ms)),
    setSetting: (key, value) => act('PUT', '/api/lab/settings', () => api.putSettings({ [key]: value })),
  });

  // Lessons read what Flask did from the finished trace of the request they send.
  const waiters = new TraceWaiters();
  async function traced(method, path, send) {
    const trace = waiters.wait({ client, method, path });
    const res = await act(method, path, send);
    return { res, trace: res ? await trace : null };
  }
  const lessons = createLessons({ api, act, traced, refresh, getState: () => state });

  // Tamper tools
  $('#tamper-username').addEventListener('submit', (e) => {
    e.preventDefault();
    document.cookie = cookieAssignment('username', $('#tamper-username-value').value);
    toast('username cookie rewritten by page JavaScript.');
    refresh();
  });
  $('#tamper-session').addEventListener('submit', (e) => {
    e.preventDefault();
    const raw = state.server?.mechanisms?.session?.raw;
    if (!raw) {
      toast('No session cookie to tamper with: log in with Signed session first.');
      return;
    }
    const forged = forgeSignedCookie(raw, $('#tamper-session-payload').value);
    act('PUT', '/api/cookies/session', () => api.putCookie('session', forged ?? raw));
  });
  $('#tamper-server').addEventListener('submit', (e) => {
    e.preventDefault();
    act('PUT', '/api/cookies/server_session', () => api.putCookie('server_session', $('#tamper-server-value').value.trim()));
  });

  // Timeline
  const filter = { text: '', status: 'all', client: 'all', hideReads: false };
  const readFilter = () => {
    filter.text = $('#filter-text').value;
    filter.status = $('#filter-status').value;
    filter.client = $('#filter-client').value;
    filter.hideReads = $('#filter-reads').checked;
    scheduleDraw();
  };
  for (const id of ['#filter-text', '#filter-status', '#filter-client', '#filter-reads']) {
    $(id).addEventListener('input', readFilter);
  }
  $('#clear-log').addEventListener('click', async () => {
    const res = await api.clearHooks();
    if (!res.ok) toast(`Could not clear the log (HTTP ${res.status}).`);
  });

  let detailsVersion = null;
  const timeline = createTimeline({
    list: $('#timeline-list'),
    spacer: $('#timeline-spacer'),
    empty: $('#timeline-empty'),
    count: $('#timeline-count'),
    me: client,
    onSelect: () => {
      detailsVersion = null;
      drawDetails();
    },
  });

  function drawDetails() {
    const trace = timeline.selectedId ? log.get(timeline.selectedId) : null;
    const version = trace ? `${trace.id}:${trace.version}` : 'none';
    if (version === detailsVersion && (!trace || trace.end)) return;
    detailsVersion = version;
    renderDetails($('#details-body'), trace, { me: client, now: performance.now() });
  }

  let drawQueued = false;
  function scheduleDraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      timeline.update(log, filter);
      drawDetails();
      if (timeline.hasRunning()) setTimeout(scheduleDraw, 100);
    });
  }

  function noteCookies(trace, live) {
    const receivedAt = live ? Date.now() : trace.end.time * 1000;
    // The response's Date header has whole seconds; browsers read Expires against it.
    const serverDate = Math.floor(trace.end.time) * 1000;
    for (const header of trace.end.set_cookie ?? []) {
      const cookie = parseSetCookie(header);
      const expiry = cookieExpiry(cookie, receivedAt, serverDate);
      if (expiry === 0) {
        state.expiries.delete(cookie.name);
        state.setCookies.delete(cookie.name);
      } else {
        state.setCookies.set(cookie.name, cookie);
        state.expiries.set(cookie.name, { at: expiry, start: receivedAt });
      }
    }
  }

  function onEvents(events, live) {
    let clearedLog = false;
    let cookiesChanged = false;
    for (const event of events) {
      const trace = log.apply(event, live ? performance.now() : null);
      if (trace === 'clear') {
        clearedLog = true;
        continue;
      }
      if (!trace) continue;
      const mine = trace.client === client;
      if (event.type === 'request' && mine && live && autoSelect
        && event.method === autoSelect.method && event.path === autoSelect.path) {
        autoSelect = null;
        timeline.select(trace.id, true);
      }
      if (event.type !== 'end') continue;
      if (live) waiters.ended(trace);
      if (mine && trace.end.set_cookie?.length) {
        noteCookies(trace, live);
        cookiesChanged = true;
      }
      if (!live || isPageRead(trace)) continue;
      const path = trace.request?.path ?? '';
      if (path.endsWith('/comment')) refreshSoon({ comments: true, mine });
      else if (mine || path === '/api/lab/settings') refreshSoon({ mine });
    }
    if (clearedLog) {
      timeline.reset();
      detailsVersion = null;
      toast('The hook log was cleared.');
    }
    scheduleDraw();
    if (cookiesChanged) render();
  }

  const connection = $('#connection');
  const stream = createStream({
    api,
    lastId: () => log.lastId,
    onEvents,
    onStatus(status) {
      if (status === 'live' && connection.dataset.state === 'reconnecting') refresh({ comments: true });
      connection.dataset.state = status;
      $('#connection-text').textContent = {
        connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…',
      }[status] ?? status;
    },
    onDropped() {
      banner('Some events were pushed out of the bounded hook log before this page caught up; older requests are missing from the timeline.');
    },
  });

  // Views
  function render() {
    state.now = Date.now();
    state.rawDocumentCookie = document.cookie;
    state.browser = parseCookies(state.rawDocumentCookie);
    controls.update(state);
    keepFocus($('#inspector-body'), () => renderInspector($('#inspector-body'), {
      ...state,
      onDelete: (name) => act('POST', '/api/cookies/clear', () => api.clearCookies([name])),
    }));
    if (state.server?.flask_version) $('#flask-version').textContent = `Flask ${state.server.flask_version}`;
    syncTamperForms();
    lessons.update(state);
  }

  let lastSessionRaw = null;
  function syncTamperForms() {
    const mechs = state.server?.mechanisms ?? {};
    const raw = mechs.session?.raw ?? null;
    if (raw !== lastSessionRaw) {
      lastSessionRaw = raw;
      $('#tamper-session-payload').value = mechs.session?.decoded?.payload_text ?? '';
    }
    const sid = $('#tamper-server-value');
    if (document.activeElement !== sid && !sid.value && mechs['server-session']?.sid) sid.value = mechs['server-session'].sid;
  }

  // Countdowns: cookie lifetimes tick; when one runs out, the browser has dropped the
  // cookie, so re-read state to show the server no longer receives it.
  const expired = new Set();
  function refreshAfterExpiry(name, tries = 0) {
    setTimeout(async () => {
      await refresh();
      // Browsers drop a cookie by their own clock; if it was still sent, look again.
      if (state.server?.cookies?.[name] !== undefined && tries < 4) refreshAfterExpiry(name, tries + 1);
    }, tries ? 500 : 250);
  }
  setInterval(() => {
    state.now = Date.now();
    for (const [name, { at }] of state.expiries) {
      const key = `${name}@${at}`;
      if (at === null || at > state.now || expired.has(key)) continue;
      expired.add(key);
      refreshAfterExpiry(name);
    }
    controls.tick(state);
    tickExpiries($('#inspector-body'), state.now);
  }, 200);

  // A small debug hook for tests and the curious: drop the stream as a network would.
  window.statelab = {
    lab,
    client,
    dropStream: () => stream.drop(),
    get lastEventId() {
      return log.lastId;
    },
  };

  render();
  await Promise.all([refresh({ comments: true }), stream.start()]);
  document.documentElement.dataset.ready = 'true';
}

start().catch((err) => {
  banner(`The lab could not start: ${err.message}. Is the server running?`);
});
