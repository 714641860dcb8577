// The StateLabTrace page: one traced app's requests, live. Wiring only: the stream, the
// trace log and the timeline panel (filter syntax, sorting, waterfall, HAR and JSON
// export and import, Copy as curl, Replay, the request details and wire sections) are
// the playground's own modules; this page adds its calls under its prefix and two
// sections (trace-insights.js): "registered, not run" and the traceback's headline.

import { createStream } from './stream.js';
import { TraceLog } from './trace-log.js';
import { createTimelinePanel } from './timeline-panel.js';
import { People } from './people.js';
import { notRun, tracebackHeadline, withoutTracerFrames } from './trace-insights.js';
import { toast } from './notify.js';
import { $, h } from './dom.js';

// The page is served at <prefix>/, its API at <prefix>/api/...; a token, when the app
// sets one, comes in the page's own URL and goes with every call.
const base = new URL('api/', location.href);
const token = new URLSearchParams(location.search).get('token');

async function call(method, path, params = {}) {
  const url = new URL(path, base);
  for (const [key, value] of Object.entries(params)) if (value) url.searchParams.set(key, value);
  const headers = { Accept: 'application/json' };
  if (token) headers['X-StateLab-Token'] = token;
  const res = await fetch(url, { method, headers, cache: 'no-store', credentials: 'same-origin' });
  const data = (res.headers.get('Content-Type') ?? '').includes('json') ? await res.json() : null;
  return { ok: res.ok, status: res.status, data };
}

/** A recorded request sent again from this browser, to the app (same origin): its method, path, query and body; the browser's own cookies. */
function resend(r) {
  const path = `${r.path}${r.query ? `?${r.query}` : ''}`;
  const body = r.body?.text && !r.body.truncated && !['GET', 'HEAD'].includes(r.method) ? r.body : null;
  return {
    method: r.method,
    path: r.path,
    send: async () => {
      const res = await fetch(path, {
        method: r.method, credentials: 'same-origin', redirect: 'manual',
        headers: body?.type ? { 'Content-Type': body.type } : {}, body: body?.text,
      });
      return { ok: res.ok, status: res.status };
    },
  };
}

// The shape of api.js's calls (stream.js and the timeline panel send them), on this page's routes.
const api = {
  hooks: (after, limit = 5000) => ({ method: 'GET', path: 'log', send: () => call('GET', 'log', { after, limit: String(limit) }) }),
  clearHooks: () => ({ method: 'DELETE', path: 'log', send: () => call('DELETE', 'log') }),
  resend,
  streamUrl: (after) => {
    const url = new URL('stream', base);
    if (after) url.searchParams.set('after', after);
    if (token) url.searchParams.set('token', token);
    return url.pathname + url.search;
  },
};

const frameItem = (f) => h('li', {},
  h('code', { class: 'where' }, `${f.file}:${f.line}`), ' in ', h('code', {}, f.func),
  f.code ? h('pre', { class: 'code' }, f.code) : null);

/** The exception, the app's own frames (innermost first), the libraries' frames folded. */
function headlineSection(trace) {
  const head = tracebackHeadline(trace.end?.traceback);
  if (!head) return null;
  return h('section', { class: 'tb-headline', 'aria-label': 'Traceback headline' },
    h('h3', {}, 'Raised: ', h('code', {}, head.exception || 'an exception')),
    head.app.length
      ? h('ol', { class: 'frames', 'aria-label': 'Your frames, innermost first' }, head.app.map(frameItem))
      : h('p', { class: 'empty' }, 'No frame of your own code: it was raised inside a library.'),
    head.library.length ? h('details', { class: 'library-frames' },
      h('summary', {}, `${head.library.length} frames of Flask and other libraries`),
      h('ol', { class: 'frames' }, head.library.map(frameItem))) : null);
}

/** The hooks the app and its blueprints registered that Flask did not call, and why. */
function notRunSection(trace, registered) {
  if (!trace.end || !registered) return null;
  const rows = notRun(trace, registered);
  return h('section', { class: 'not-run', 'aria-label': 'Registered, not run' },
    h('h3', {}, `Registered, not run (${rows.length})`),
    rows.length ? h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Hooks registered but not run', tabindex: '0' },
      h('table', {},
        h('thead', {}, h('tr', {}, ['Hook', 'Function', 'Blueprint', 'Why not'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows.map((r) => h('tr', { dataset: { hook: r.name } },
          h('td', {}, r.name), h('td', {}, h('code', {}, r.function)),
          h('td', {}, r.blueprint ?? 'app'), h('td', {}, r.reason))))))
      : h('p', { class: 'empty' }, 'Every hook registered for this request ran.'));
}

async function start() {
  const log = new TraceLog();
  const registry = await call('GET', 'registered').catch(() => null);
  const registered = registry?.ok ? registry.data : null;
  // The traceback as sent, without the tracer's own frames.
  const sections = (trace, wire) => {
    const tb = trace.end?.traceback;
    const shown = tb ? { ...trace, end: { ...trace.end, traceback: withoutTracerFrames(tb) } } : trace;
    return [headlineSection(trace), ...wire(shown), notRunSection(trace, registered)];
  };
  const panel = createTimelinePanel({
    log, person: undefined, lab: null, api, people: new People(), toast, sections,
    async onReplay(replay) {
      panel.expect(replay);
      try {
        const res = await replay.send();
        toast(`Replayed ${replay.method} ${replay.path}: HTTP ${res.status || 'redirect'}`);
      } catch (err) {
        toast(`Replay failed: ${err.message}`);
      }
    },
  });

  const banner = $('#banner');
  const connection = $('#connection');
  createStream({
    api,
    lastId: () => log.lastId,
    onEvents(events, live) {
      const started = [];
      for (const event of events) {
        const touched = log.apply(event, live ? performance.now() : null);
        if (touched === 'clear') panel.reset();
        else if (event.type === 'request' && touched) started.push(touched);
      }
      panel.started(started);
      panel.draw();
    },
    onStatus(status) {
      connection.dataset.state = status;
      $('#connection-text').textContent = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' }[status] ?? status;
    },
    onDropped() {
      banner.hidden = false;
      banner.textContent = 'Older requests were pushed out of the bounded log before this page caught up.';
    },
  }).start();
}

start();
