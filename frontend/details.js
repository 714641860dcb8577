// The selected request in full: what was sent, what came back, every step in order.

import { h, fill } from './dom.js';
import { parseCookies } from './cookies.js';
import { clientName, formatClock, formatDuration, prettyJson, requestLine, statusClass, statusText } from './format.js';
import { traceTotal, waterfall } from './layout.js';
import { isMine } from './people.js';
import { boundOutput, errorText, stepNote } from './step-notes.js';
import { longValue } from './wire.js';
import { stepFailed } from './trace-log.js';

// Its styles come with it: the page's first load has no request to detail (e2e/page-weight).
if (typeof document !== 'undefined') {
  document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: new URL('./details.css', import.meta.url).href }));
}

/** A dotted name that may wrap after each dot, its module muted. */
function functionName(name = '') {
  const dot = name.lastIndexOf('.', name.lastIndexOf('.') - 1);
  const module = dot === -1 ? '' : name.slice(0, dot + 1);
  const tail = dot === -1 ? name : name.slice(dot + 1);
  const withBreaks = (text) => text.split('.').flatMap((part, i, all) => (i < all.length - 1 ? [part, '.', h('wbr')] : [part]));
  return h('code', { title: name }, h('span', { class: 'module' }, withBreaks(module)), withBreaks(tail));
}

function sessionStep(trace, name) {
  return trace.steps.find((s) => s.name === name)?.detail ?? null;
}

function codeBlock(text, label) {
  return h('pre', { class: 'code', tabindex: '0', 'aria-label': label }, text);
}

function cookieList(items, empty) {
  if (!items.length) return h('p', { class: 'empty' }, empty);
  return h('ul', { class: 'cookie-list' }, items);
}

function stepRows(s, bar) {
  const failed = stepFailed(s);
  const note = stepNote(s);
  const row = h('tr', { class: `step k-${s.kind}${failed ? ' err' : ''}${note ? ' has-note' : ''}`, dataset: { step: s.name } },
    h('td', { class: 'num' }, String(s.index)),
    h('td', { class: 'step-name' }, h('span', { class: `kind k-${s.kind}`, 'aria-hidden': 'true' }), s.name,
      s.blueprint ? h('span', { class: 'bp' }, ` (${s.blueprint})`) : null),
    h('td', { class: 'fn' }, functionName(s.function)),
    h('td', { class: 'num' }, formatDuration(s.offset_ms)),
    h('td', { class: 'num' }, formatDuration(s.duration_ms)),
    h('td', { class: 'axis', 'aria-hidden': 'true' }, h('span', { class: 'track' },
      h('span', { class: `bar k-${s.kind}${failed ? ' err' : ''}`, style: { left: `${bar.left}%`, width: `${bar.width}%` } }))));
  const output = outputRow(s.output, s.name);
  if (!note) return [row, output];
  return [row, h('tr', { class: `note-row${failed ? ' err' : ''}` }, h('td', {}), h('td', { colspan: '5', class: 'note' }, note)), output];
}

/** What a step printed or logged while it ran, as text. */
function outputLines(lines, label) {
  const { lines: shown, hidden } = boundOutput(lines);
  if (!shown.length) return null;
  return h('pre', { class: 'step-output', tabindex: '0', 'aria-label': label },
    shown.join('\n'), hidden ? `\n… ${hidden} more line${hidden === 1 ? '' : 's'}` : null);
}

function outputRow(lines, step) {
  const pre = outputLines(lines, `Output of ${step}`);
  return pre ? h('tr', { class: 'output-row', dataset: { outputOf: step } }, h('td', {}), h('td', { colspan: '5' }, pre)) : null;
}

/** An anonymous request's server-side session: an id was made, nothing kept (Flask-Session skips an unmodified empty session). */
function notStored(after, end) {
  const server = after.server_session;
  return Boolean(server) && !Object.keys(server.data ?? {}).length
    && !(end.set_cookie ?? []).some((line) => line.startsWith('server_session='));
}

function stepsTable(trace, total) {
  const end = trace.end;
  const bars = waterfall(trace.steps, total, 0.8);
  return [
    h('h3', {}, `Steps (${trace.steps.length})`),
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Steps of this request', tabindex: '0' },
      h('table', { class: 'steps' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, '#'),
          h('th', { scope: 'col' }, 'Step'),
          h('th', { scope: 'col', class: 'fn' }, 'Function'),
          h('th', { scope: 'col', class: 'num' }, 'Start'),
          h('th', { scope: 'col', class: 'num' }, 'Took'),
          h('th', { scope: 'col', class: 'axis' }, h('span', { class: 'ticks', 'aria-hidden': 'true' },
            h('span', {}, '0'), h('span', {}, formatDuration(total))),
          h('span', { class: 'visually-hidden' }, 'Time axis')),
          )),
        h('tbody', {}, trace.steps.map((s, i) => stepRows(s, bars[i])),
        end ? null : h('tr', { class: 'running-row' }, h('td', { colspan: '6' }, 'Running… steps appear as they finish.'))))),
  ];
}

function cookiesGrid(r, end) {
  const sent = parseCookies(r.cookie_header ?? '');
  return (
    h('div', { class: 'details-grid' },
      h('section', { 'aria-label': 'Cookie header sent' },
        h('h3', {}, 'Cookie header sent'),
        r.cookie_header
          ? cookieList(sent.map((c) => h('li', {}, h('code', { class: 'name' }, c.name), ' = ', longValue(c.value, { class: 'value' }))), '')
          : h('p', { class: 'empty' }, 'No Cookie header.')),
      h('section', { 'aria-label': 'Set-Cookie received' },
        h('h3', {}, 'Set-Cookie received'),
        end
          ? cookieList((end.set_cookie ?? []).map((header) => h('li', {}, longValue(header, { class: 'raw' }))), 'None: the browser keeps its cookies as they were.')
          : h('p', { class: 'empty' }, 'Waiting for the response…'))));
}

/** `wire`: wire.js's wireSections once loaded (the panel loads it on first use); null shows none yet. */
export function renderDetails(root, trace, { me, now, readOnly = false, wire = null }) {
  if (!trace) {
    fill(root, h('p', { class: 'empty' }, 'Select a request to see its Cookie header, Set-Cookie, every step and the session before and after.'));
    return;
  }
  const r = trace.request ?? {};
  const end = trace.end;
  const total = traceTotal(trace, now);
  const before = sessionStep(trace, 'open_session');
  const after = sessionStep(trace, 'save_session');
  // Why Flask ignored the signed cookie (bad_signature, expired, malformed), as the server saw it.
  const rejected = before?.signed_cookie_rejected;

  fill(root,
    h('div', { class: 'details-head' },
      h('span', { class: 'method' }, r.method ?? '…'),
      h('code', { class: 'path' }, requestLine(trace.request)),
      h('span', { class: `status-badge ${statusClass(end?.status)}` },
        end ? `${end.status} ${statusText(end.status)}` : 'pending…'),
      h('span', { class: 'meta' }, isMine(trace, me) ? 'you' : clientName(trace.person)),
      h('span', { class: 'meta' }, formatDuration(total)),
      trace.time ? h('span', { class: 'meta' }, formatClock(trace.time)) : null,
      end?.endpoint ? h('span', { class: 'meta' }, 'endpoint ', h('code', {}, end.endpoint)) : null),
    trace.request && !readOnly ? h('div', { class: 'buttons details-actions' },
      h('button', { type: 'button', class: 'btn small', dataset: { action: 'curl' } }, 'Copy as curl'),
      h('button', { type: 'button', class: 'btn small', dataset: { action: 'replay' } }, 'Replay')) : null,
    end?.error ? h('p', { class: 'alert' }, `Unhandled: Flask re-raised ${errorText(end.error)} (PROPAGATE_EXCEPTIONS), so no handler answered; the app's WSGI catch wrote Werkzeug's plain 500 page, as Werkzeug's own server would.`) : null,
    rejected ? h('p', { class: 'alert', 'data-testid': 'rejected-session' },
      `A session cookie was sent, but Flask silently opened an empty session: its signing serializer said ${rejected}.`) : null,

    stepsTable(trace, total),
    end?.output?.length ? h('section', { 'aria-label': 'Output outside any step' },
      h('h3', {}, 'Output outside any step'), outputLines(end.output, 'Output outside any step')) : null,

    cookiesGrid(r, end),
    wire ? wire(trace) : null,

    h('div', { class: 'details-grid' },
      h('section', { 'aria-label': 'Session before' },
        h('h3', {}, 'Session before (opened)'),
        before ? codeBlock(prettyJson(before), 'Session when opened') : h('p', { class: 'empty' }, 'Not opened.')),
      h('section', { 'aria-label': 'Session after' },
        h('h3', {}, 'Session after (saved)'),
        after ? codeBlock(prettyJson(after), 'Session when saved') : h('p', { class: 'empty' }, end ? 'Not saved (no save_session step).' : 'Not saved yet.'),
        after && end && notStored(after, end) ? h('p', { class: 'hint', 'data-testid': 'not-stored' },
          `This server_session id is fresh and its data empty: Flask-Session stored nothing and sent no cookie, so the next request gets another id.`) : null)),
  );
}
