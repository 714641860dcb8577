// The Lessons area: each lesson sends real requests, then reads what Flask did from the
// finished trace (`traced`) and from /api/state.

import { $, $$, h, fill } from './dom.js';
import {
  OUTCOME_ROWS, carried, cookieAttributeNotes, cookieSent, copyCookies, errorOutcome, hookSteps, parseChunks,
  propagateCaption, replayVerdicts, scopeOrder, streamTiming, switchesToSet, teardownAfterBody, teardownBeforeBody,
} from './lesson-facts.js';
import { isFirstRequest } from './trace-log.js';
import { createLab } from './api.js';
import { MECHANISMS } from './mechanisms.js';
import { cookieFlags, parseSetCookie, receivedValue } from './cookies.js';
import { formatDuration, responseMessage, statusClass } from './format.js';

// Its styles come with it: the page's first load opens no lesson (e2e/page-weight).
if (typeof document !== 'undefined') {
  document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: new URL('./lessons.css', import.meta.url).href }));
}

const yesNo = (value) => h('span', { class: `badge ${value ? 'on' : 'off'}` }, value ? 'yes' : 'no');

function answerLine(res, summary = null) {
  if (!res) return h('p', { class: 'alert' }, 'The request did not reach the server.');
  const text = summary ?? responseMessage(res) ?? res.text.replace(/<[^>]*>/g, ' ').trim();
  return h('p', { class: 'response-line' },
    h('span', { class: 'method' }, res.method), ' ', h('code', {}, res.path), ' → ',
    h('span', { class: `status-badge ${statusClass(res.status)}` }, String(res.status)), ' ',
    h('span', { class: 'answer' }, text.slice(0, 200)));
}

function outputCount(trace) {
  return trace ? trace.steps.reduce((n, s) => n + (s.output?.length ?? 0), 0) : 0;
}

/** Wait, bounded, for what a live trace may still receive (steps a streamed body runs come after its end). */
async function until(check, ms = 1500) {
  for (let waited = 0; waited < ms && !check(); waited += 100) {
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
}

/** Why the tutorial's /comment answered as it did: the one cookie it reads, as this request carried it. */
function commentFinding(res, trace, session) {
  if (!res || !trace) return null;
  const sent = cookieSent(trace, 'username');
  if (sent === undefined) {
    return h('p', { class: 'finding', 'data-testid': 'comment-finding' }, session
      ? `The signed session says ${session}, but the tutorial's /comment reads only the username cookie, and this request carried none: it sees nobody.`
      : 'This request carried no username cookie, the one cookie /comment reads: it sees nobody.');
  }
  return h('p', { class: 'finding', 'data-testid': 'comment-finding' },
    `This request carried the plain cookie username=${sent} (set by POST /login (cookie)), and that is all /comment reads.`,
    session ? ` The session login (${session}) played no part: press "Start clean", then POST /session/login and GET /comment to see /comment miss it.` : '');
}

/** The tutorial's session login in its own app with no SECRET_KEY: what Flask raised there. */
function noKeyLine(res) {
  const d = res?.data;
  if (!d) return null;
  return d.error
    ? `its app (no SECRET_KEY) answered ${d.status}: Flask raised ${d.error.type}: ${d.error.message}`
    : `its app (no SECRET_KEY) answered ${d.status}: ${d.body.replace(/<[^>]*>/g, ' ').trim()}`;
}

/** Lesson 0: a login and a comment sent with no cookies at all; the second knows nothing of the first. */
function statelessLesson({ api, traced }) {
  const result = $('#stateless-result');
  $('#stateless-run').addEventListener('click', async () => {
    const login = await traced(api.tutorial('POST', '/login', { username: 'Tom', password: '123' }, { omit: true }));
    const comment = await traced(api.tutorial('GET', '/comment', undefined, { omit: true }));
    const set = (login.trace?.end?.set_cookie ?? []).find((line) => line.startsWith('username='));
    fill(result, answerLine(login.res), answerLine(comment.res),
      h('p', { class: 'finding', 'data-testid': 'stateless-finding' },
        `The login answered with ${set ? `Set-Cookie: ${set.split(';')[0]}` : 'no cookie'}, but the browser was told to keep none. `,
        comment.trace && !comment.trace.request.cookie_header
          ? 'GET /comment carried no Cookie header, and the server kept nothing from the login: it answered as to a stranger. A cookie is how a request carries state; lesson a keeps it.'
          : 'GET /comment carried a Cookie header: see its row.'));
  });
}

function tutorialLesson({ api, traced, getState }) {
  const result = $('#tutorial-result');
  async function run(spec) {
    const [method, path] = spec.split(' ');
    const form = method === 'POST'
      ? { username: $('#tutorial-username').value, password: $('#tutorial-password').value }
      : undefined;
    const { res, trace } = await traced(api.tutorial(method, path, form));
    const session = getState().server?.mechanisms?.session?.user;
    const lines = outputCount(trace);
    fill(result,
      answerLine(res, path === '/no-key/login' ? noKeyLine(res) : null),
      path === '/comment' ? commentFinding(res, trace, session) : null,
      h('p', { class: 'hint' }, lines
        ? `${lines} printed or logged line${lines === 1 ? '' : 's'} captured: see them under the steps in Request details.`
        : 'No output was captured on this request\'s steps.'));
  }
  $('#tutorial-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run(e.submitter?.dataset.tutorial ?? 'POST /login');
  });
  for (const button of $$('[data-tutorial]')) {
    if (button.type === 'button') button.addEventListener('click', () => run(button.dataset.tutorial));
  }
}

function outcomeTable(columns) {
  // Break points ("Zero<wbr>Division<wbr>Error", "got_<wbr>request_…") so four columns fit the panel.
  const breakable = (text, at) => text.split(at).flatMap((part, i) => (i ? [h('wbr'), part] : [part]));
  const cell = (value) => (typeof value === 'boolean' ? yesNo(value) : h('code', {}, breakable(String(value), /(?=[A-Z][a-z])/)));
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'abort(500) and a raise, switch off and on', tabindex: '0' },
    h('table', { class: 'compare', id: 'propagate-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'What Flask did'),
        columns.map((c) => h('th', { scope: 'col', dataset: { col: c.key } }, c.label)))),
      h('tbody', {}, OUTCOME_ROWS.map(([key, label]) => h('tr', { dataset: { row: key } },
        h('th', { scope: 'row' }, breakable(label, /(?<=_)/)),
        columns.map((c) => h('td', { dataset: { col: c.key } }, c.outcome ? cell(c.outcome[key]) : '–')))))));
}

function propagateLesson({ api, act, traced, getState, refresh }) {
  const result = $('#propagate-result');
  const setPropagate = (on) => act(api.putSettings({ propagate_exceptions: on }));

  $('#propagate-compare').addEventListener('click', async () => {
    const before = Boolean(getState().server?.settings?.propagate_exceptions);
    fill(result, h('p', { class: 'hint' }, 'Running four requests…'));
    const columns = [];
    for (const on of [false, true]) {
      const set = await setPropagate(on);
      if (!set?.ok) {
        fill(result, h('p', { class: 'alert' }, `The lab refused to switch PROPAGATE_EXCEPTIONS ${on ? 'on' : 'off'} (HTTP ${set?.status ?? 'no answer'}): only its owner may. Nothing was compared.`));
        return;
      }
      for (const kind of ['500', 'exception']) {
        const { trace } = await traced(api.error(kind));
        columns.push({
          key: `${kind}-${on ? 'on' : 'off'}`,
          label: [kind === '500' ? 'abort' : 'raise', h('br'), on ? 'on' : 'off'],
          outcome: trace ? errorOutcome(trace) : null,
        });
      }
    }
    if (!before) await setPropagate(false);
    const [abortOff, raiseOff, abortOn, raiseOn] = columns.map((c) => c.outcome);
    fill(result, h('p', { class: 'hint' }, 'Columns: abort(500) or a raised ZeroDivisionError, with PROPAGATE_EXCEPTIONS off or on.'),
      outcomeTable(columns),
      h('p', { class: 'hint', 'data-testid': 'propagate-caption' }, propagateCaption({ abortOff, abortOn, raiseOff, raiseOn })));
  });

  $('#propagate-crash').addEventListener('click', async () => {
    const on = Boolean(getState().server?.settings?.propagate_exceptions);
    const { res, trace } = await traced(api.error('login-crash', {}));
    await refresh();
    const saved = trace ? trace.steps.some((s) => s.name === 'save_session') : null;
    const user = getState().server?.mechanisms?.session?.user ?? null;
    fill(result,
      answerLine(res),
      h('p', { class: 'finding', 'data-testid': 'crash-finding' },
        `PROPAGATE_EXCEPTIONS ${on ? 'on' : 'off'}: `,
        saved === null ? 'the trace did not arrive.' : saved
          ? 'save_session ran, so the session the view set before it crashed was stored.'
          : 'no save_session step, so the session the view set before it crashed is lost.',
        ` The signed session now says: ${user ?? 'nobody'}.`));
  });
}

function blueprintLesson({ api, traced }) {
  const result = $('#blueprint-result');
  const word = () => $('#demo-word').value.trim() || 'flask';

  const show = {
    hooks(res, trace) {
      const hooks = hookSteps(trace);
      const order = (name) => `${name}: ${scopeOrder(hooks, name).join(' → ')}`;
      return [
        h('p', { class: 'finding', 'data-testid': 'scope-order' },
          `Going in, ${order('before_request')}. Going out, ${order('after_request')}; ${order('teardown_request')}.`)];
    },
    'after-this-request'(res, trace) {
      const names = trace.steps.map((s) => s.name);
      const callback = names.indexOf('after_this_request');
      const firstAfter = names.indexOf('after_request');
      return [
        h('p', {}, 'Response header ', h('code', {}, `X-After-This-Request: ${res.headers.get('X-After-This-Request') ?? '(absent)'}`)),
        h('p', { class: 'finding', 'data-testid': 'after-this-request-finding' }, callback === -1
          ? 'No after_this_request step in this trace: Flask did not run the callback (this server traces each one as a step).'
          : `The callback ran as step #${trace.steps[callback].index}, ${callback < firstAfter ? 'before' : 'after'} the first after_request hook.`),
      ];
    },
    async stream(res, trace) {
      const chunks = parseChunks(res.text);
      await until(() => teardownAfterBody(streamTiming(trace, chunks)));
      const timing = streamTiming(trace, chunks);
      const secondPass = teardownAfterBody(timing);
      return [
        h('ul', { class: 'facts-list' },
          timing.passes.map((p) => h('li', {}, `teardown_request pass ${p.pass} at +${formatDuration(p.ms)}: ${p.chunksBefore} chunks produced by then`)),
          timing.chunks.map((c) => h('li', {}, `chunk ${c.chunk} produced at +${formatDuration(c.ms)}, after ${c.teardownsBefore} teardown pass${c.teardownsBefore === 1 ? '' : 'es'}`))),
        h('p', { class: 'finding', 'data-testid': 'stream-finding' }, teardownBeforeBody(timing)
          ? 'Teardown ran when the view returned, before any of the body was produced.'
          : 'Teardown did not run before the body.'),
        h('p', { class: 'hint' }, secondPass
          ? 'Teardown ran again after the last chunk: stream_with_context pushed the contexts again for the body.'
          : 'Flask 3.1.3 runs teardown again after the last chunk (stream_with_context pushes the contexts again for the body); that pass comes after the trace ended.')];
    },
  };

  for (const button of $$('[data-demo]')) {
    button.addEventListener('click', async () => {
      const route = button.dataset.demo;
      const query = route === 'stream' ? '?chunks=3&delay_ms=200' : '';
      const { res, trace } = await traced(api.demo(word(), route, query));
      fill(result, answerLine(res, route === 'stream' ? 'a streamed body, a JSON line per chunk' : null), trace ? await show[route](res, trace) : h('p', { class: 'alert' }, 'The trace did not arrive.'));
    });
  }
}

function keyText(key) {
  if (!key) return '–';
  const what = { tutorial: 'the tutorial\'s key', instance: 'this server\'s key', generated: 'a generated key' }[key.source] ?? key.source;
  return `${what}${key.key ? ` "${key.key}"` : ''} (fingerprint ${key.fingerprint})`;
}

function secretLesson({ api, act, refresh, getState }) {
  const status = $('#secret-status');
  const result = $('#secret-result');
  let cracked = null;

  function showSecret(secret) {
    if (!secret) return;
    fill(status, h('dl', { class: 'kv' },
      h('dt', {}, 'Signs with'), h('dd', { 'data-testid': 'signing-key' }, keyText(secret.signing)),
      h('dt', {}, 'Fallbacks'), h('dd', { 'data-testid': 'fallback-keys' }, secret.fallbacks?.length
        ? secret.fallbacks.map(keyText).join(', ') : 'none'),
      h('dt', {}, 'Which signs'), h('dd', {}, secret.note ?? '')));
  }
  async function load() {
    const res = await api.secret().send();
    if (res.ok) showSecret(res.data);
  }
  async function whoNow(prefix) {
    await refresh();
    const mech = getState().server?.mechanisms?.session;
    return h('p', { class: 'finding', 'data-testid': 'secret-finding' }, prefix,
      mech?.raw
        ? `The browser's session cookie is ${mech.decoded?.signature_valid ? `accepted${mech.verified_by ? ` (verified by the ${mech.verified_by.role} key)` : ''}` : `refused (${mech.decoded?.problem ?? 'invalid'})`}: the server believes ${mech.user ?? 'nobody'}.`
        : 'No session cookie: log in with Signed session first.');
  }

  $('#lesson-secret').addEventListener('toggle', (e) => e.target.open && load());
  // Loaded lazily: the toggle that opened this lesson may have fired before the listener.
  if ($('#lesson-secret').open) load();
  for (const button of $$('[data-key]')) {
    button.addEventListener('click', async () => {
      const res = await act(api.useKey(button.dataset.key));
      if (res?.ok) showSecret(res.data);
      fill(result, await whoNow('Key changed. '));
    });
  }
  $('#secret-crack').addEventListener('click', async () => {
    const crackResult = $('#crack-result');
    fill(crackResult, h('p', { class: 'hint' }, 'Cracking…'));
    const res = await act(api.crack());
    const c = res?.data;
    if (!res?.ok || !c) {
      fill(crackResult, answerLine(res));
      return;
    }
    cracked = c.found ? c.key : null;
    fill(crackResult, h('p', { class: 'finding', 'data-testid': 'crack-finding' }, c.found
      ? `Found "${c.key}" after ${c.tried} of ${c.candidates} candidates in ${formatDuration(c.seconds * 1000)}.`
      : `Not found: ${c.tried} of ${c.candidates} candidates tried in ${formatDuration(c.seconds * 1000)} (${c.stopped}).`),
    h('p', { class: 'hint' }, `Wordlist: ${c.wordlist}.`));
  });
  $('#secret-forge').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!cracked) {
      fill(result, h('p', { class: 'alert' }, 'Crack the key first: forging needs it.'));
      return;
    }
    const username = $('#forge-username').value;
    const res = await act(api.forge(cracked, username));
    fill(result, res?.ok ? await whoNow(`Forged with "${cracked}". `) : answerLine(res));
  });
  for (const button of $$('[data-rotate]')) {
    button.addEventListener('click', async () => {
      const keep = button.dataset.rotate === 'keep';
      const res = await act(api.rotateKey(keep));
      if (res?.ok) showSecret(res.data);
      fill(result, await whoNow(keep ? 'Rotated, old key kept in SECRET_KEY_FALLBACKS. ' : 'Rotated, no fallback. '));
    });
  }
}

function replayLesson({ api, act, refresh, quietly, getState }) {
  const result = $('#replay-result');
  let copy = null;
  let verdicts = null;

  function render() {
    fill(result,
      copy ? h('p', { class: 'hint', 'data-testid': 'replay-copy' }, Object.keys(copy).length
        ? ['Copied: ', Object.entries(copy).map(([name, value]) => `${name} (${value.length} chars)`).join(', '), '.']
        : 'Nothing to copy: log in first.') : null,
      verdicts ? h('table', { class: 'compare', id: 'replay-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Mechanism'), h('th', { scope: 'col' }, 'Copy replayed'),
          h('th', { scope: 'col' }, 'Server believes'))),
        h('tbody', {}, verdicts.map((v) => h('tr', { dataset: { mechanism: v.mechanism } },
          h('th', { scope: 'row' }, MECHANISMS[v.mechanism].title),
          h('td', {}, v.replayed ? yesNo(v.received) : h('span', { class: 'muted' }, 'no copy')),
          h('td', {}, v.user ? h('strong', { class: 'user' }, v.user) : h('span', { class: 'nobody' }, 'nobody'),
            v.problem ? h('span', { class: 'muted' }, ` (${v.problem})`) : null))))) : null);
  }

  $('#replay-copy').addEventListener('click', async () => {
    await refresh();
    copy = copyCookies(getState().server);
    verdicts = null;
    render();
  });
  $('#replay-logout').addEventListener('click', async () => {
    for (const mechanism of Object.keys(MECHANISMS)) {
      await act(api.logout(mechanism));
    }
  });
  $('#replay-send').addEventListener('click', async () => {
    if (!copy || !Object.keys(copy).length) {
      fill(result, h('p', { class: 'alert' }, 'Copy your cookies first (after logging in).'));
      return;
    }
    // The signed session goes back last, and the verdict is the state read that act()
    // makes right after it: the server deletes a copy whose lifetime has ended on the
    // first request that carries it, so a later read would not see the copy at all.
    // Quietly: no read the stream prompts may carry the copy first.
    const order = Object.entries(copy).sort(([a], [b]) => (a === 'session') - (b === 'session'));
    verdicts = await quietly(async () => {
      for (const [name, value] of order) {
        await act(api.putCookie(name, value));
      }
      return replayVerdicts(copy, getState().server);
    });
    render();
  });
}

function fillLesson({ api, traced, refresh, getState }) {
  const result = $('#fill-result');
  $('#fill-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const bytes = Number($('#fill-bytes').value);
    const { res, trace } = await traced(api.fillSession(bytes));
    if (!res?.ok || !trace) {
      fill(result, answerLine(res));
      return;
    }
    const header = (trace.end?.set_cookie ?? []).find((line) => line.startsWith('session='));
    const set = header ? parseSetCookie(header) : null;
    await refresh();
    const kept = carried(set, getState().server);
    const warnings = trace.steps.flatMap((s) => s.output ?? []).filter((line) => /too large/i.test(line));
    fill(result, h('ul', { class: 'facts-list', 'data-testid': 'fill-facts' },
      h('li', {}, `Filler: ${res.data.filler_bytes} bytes.`),
      set ? [
        h('li', {}, `Set-Cookie line: ${header.length} bytes ${header.length > 4093 ? '(past Werkzeug\'s 4093-byte warning)' : '(under 4093)'}.`),
        h('li', {}, set.value.startsWith('.') ? 'Compressed: the value starts with "." (zlib).' : 'Not compressed: no "." prefix.'),
        h('li', {}, warnings.length ? ['Werkzeug warned: ', h('code', {}, warnings[0])] : 'No size warning captured on this request\'s steps.'),
        h('li', { 'data-testid': 'fill-carried' }, kept
          ? 'The next request carried it: the browser kept the cookie.'
          : `The next request did not carry it: the browser refused the cookie, and the next request carried ${receivedValue(getState().server, 'session') === undefined ? 'no session cookie' : 'the previous one'}.`),
      ] : h('li', {}, 'No session Set-Cookie in the answer.')));
  });
}

/** Lesson f: what the server set on each cookie, and what Chromium makes of it. */
function renderSameSite(state) {
  const entries = [...(state.setCookies ?? new Map()).values()].filter((c) => c.value !== '');
  fill($('#samesite-result'), entries.length
    ? h('dl', { class: 'facts' }, entries.map((c) => [
      h('dt', {}, h('code', {}, c.name), ` ${cookieFlags(c.attributes).join('; ') || 'no SameSite, not Secure'}`,
        ' · next request carried it: ', yesNo(carried(c, state.server))),
      cookieAttributeNotes(c.attributes, { host: location.hostname, secureContext: window.isSecureContext }).map((note) => h('dd', {}, note))]))
    : h('p', { class: 'empty' }, 'Log in to see the cookie the server set.'));
}

/**
 * The emulated before_first_request, made to act again on the lab's next request: the
 * page sends that request itself (a state read, quietly: no other read of this page's
 * comes first), and its row is shown (never hidden as a page read) and selected.
 */
function firstRequestLesson({ api, traced, quietly }) {
  const out = $('#rearm-result');
  $('#rearm-first').addEventListener('click', async () => {
    const found = await quietly(async () => {
      const res = await api.rearmFirstRequest().send();
      if (!res.ok) return { res };
      fill(out, 'Armed: the lab\'s next request will run before_first_request, before request_started. Sending GET /api/state now…');
      return traced(api.state());
    });
    if (!found.trace) {
      fill(out, found.res?.ok ? 'Armed, but the trace of GET /api/state did not arrive.' : answerLine(found.res));
      return;
    }
    const step = found.trace.steps.find((st) => st.name === 'before_first_request');
    fill(out, h('span', { 'data-testid': 'rearm-finding' }, isFirstRequest(found.trace)
      ? `before_first_request ran on GET /api/state as step #${step.index}, before request_started: its row is selected in the timeline.`
      : 'Another request of this lab got there first and ran before_first_request: filter the timeline with hook:before_first_request to find it.'));
  });
}

/** What each lesson needs before it starts: cookies cleared, and these lab switches. */
const CLEAN = {
  stateless: { cookies: true, switches: { short_circuit: false } },
  tutorial: { cookies: true, switches: { short_circuit: false } },
  propagate: { cookies: true, switches: { custom_error_handlers: true, short_circuit: false } },
  blueprint: { cookies: false, switches: { short_circuit: false } },
  secret: { cookies: true, switches: {} },
  replay: { cookies: true, switches: { short_circuit: false } },
  samesite: { cookies: true, switches: {} },
};

const switchText = (switches) => Object.entries(switches).map(([key, on]) => `${key} ${on ? 'on' : 'off'}`).join(', ');
const isParticipant = () => document.documentElement.dataset.owner === 'false';

/** "Try this in a lab of my own": a new lab this browser owns, opened at the lesson in a new tab. */
function ownLabButton(lessonId) {
  return h('button', { type: 'button', class: 'btn small', dataset: { ownLab: lessonId } }, 'Try this in a lab of my own');
}

async function openOwnLab(lessonId) {
  const tab = window.open('about:blank', '_blank'); // opened on the click: no popup blocker
  const created = await createLab(window.statelab?.client ?? null);
  const url = `${created.teacher_url ?? `/?lab=${created.id}`}#${lessonId}`;
  if (tab) tab.location = url;
  else location.assign(url);
}

function startCleanLesson({ api, act, getState }) {
  async function startClean(name, out) {
    const { cookies, switches } = CLEAN[name];
    const lines = [];
    if (cookies) {
      const res = await act(api.clearCookies());
      lines.push(res?.ok ? 'Cleared this lab\'s cookies (username, session, server_session).' : `Could not clear the cookies (HTTP ${res?.status ?? 'no answer'}).`);
    }
    const want = switchesToSet(switches, getState().server?.settings);
    if (!Object.keys(want).length) {
      if (Object.keys(switches).length) lines.push(`Switches as this lesson needs: ${switchText(switches)}.`);
    } else if (isParticipant()) {
      lines.push(`This lesson needs ${switchText(want)}; only the lab's owner can switch it.`, ownLabButton(`lesson-${name}`));
    } else {
      const res = await act(api.putSettings(want));
      lines.push(res?.ok ? `Switched ${switchText(want)}.` : `Could not switch ${switchText(want)} (HTTP ${res?.status ?? 'no answer'}).`);
    }
    fill(out, lines.map((line) => (typeof line === 'string' ? `${line} ` : line)));
  }
  // Each lesson's first step, under its title.
  for (const name of Object.keys(CLEAN)) {
    const out = h('p', { class: 'hint clean-result', 'data-testid': 'clean-result', 'aria-live': 'polite' });
    const button = h('button', { type: 'button', class: 'btn small', onclick: () => startClean(name, out) }, 'Start clean');
    $(`#lesson-${name} > summary`)?.after(h('div', { class: 'start-clean' }, button, out));
  }
  document.addEventListener('click', (e) => {
    const button = e.target.closest?.('[data-own-lab]');
    if (button) openOwnLab(button.dataset.ownLab);
  });
  // A participant's owner-gated steps are disabled (ownership.js); each lesson says why, once.
  if (!isParticipant()) return;
  for (const lesson of $$('details.lesson')) {
    if (!lesson.querySelector('[data-owner-only], [data-setting]')) continue;
    lesson.querySelector('summary').after(h('p', { class: 'owner-lesson-note', role: 'note' },
      'Disabled steps change the lab for everyone, so only its owner can press them. ', ownLabButton(lesson.id)));
  }
}

export function createLessons(ctx) {
  startCleanLesson(ctx);
  statelessLesson(ctx);
  firstRequestLesson(ctx);
  tutorialLesson(ctx);
  propagateLesson(ctx);
  blueprintLesson(ctx);
  secretLesson(ctx);
  replayLesson(ctx);
  fillLesson(ctx);
  return { update: renderSameSite };
}
