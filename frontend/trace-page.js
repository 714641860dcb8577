// The StateLabTrace page: one traced app's requests, live. Wiring only: the stream,
// the trace log, the timeline and the request details are the playground's own
// modules (the wire sections too: headers, bodies, Set-Cookie attributes, traceback);
// this page adds the calls under its prefix and each step's output.

import { createStream } from './stream.js';
import { TraceLog } from './trace-log.js';
import { createTimeline } from './timeline.js';
import { People } from './people.js';
import { renderDetails } from './details.js';
import { wireSections } from './wire.js';
import { matchesQuery, parseFilter } from './filter.js';
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

// The shape of api.js's calls (stream.js sends them), on this page's own routes.
const api = {
  hooks: (after, limit = 5000) => ({ method: 'GET', path: 'log', send: () => call('GET', 'log', { after, limit: String(limit) }) }),
  clear: () => call('DELETE', 'log'),
  streamUrl: (after) => {
    const url = new URL('stream', base);
    if (after) url.searchParams.set('after', after);
    if (token) url.searchParams.set('token', token);
    return url.pathname + url.search;
  },
};

/** What each step printed, logged or warned, and what the request output between steps. */
function outputSection(trace) {
  const items = trace.steps.filter((s) => s.output?.length).map((s) => h('li', {},
    h('div', { class: 'output-step' }, `#${s.index} ${s.name} `, h('code', {}, s.function)),
    h('pre', { class: 'code', tabindex: '0', 'aria-label': `Output of ${s.name}` }, s.output.join('\n'))));
  if (trace.end?.output?.length) {
    items.push(h('li', {}, h('div', { class: 'output-step' }, 'outside any step'),
      h('pre', { class: 'code', tabindex: '0', 'aria-label': 'Output outside any step' }, trace.end.output.join('\n'))));
  }
  return h('section', { 'aria-label': 'Output' },
    h('h3', {}, 'Output (print, logging, warnings)'),
    items.length ? h('ul', { class: 'output-list' }, items)
      : h('p', { class: 'empty' }, 'Nothing was printed, logged or warned.'));
}

function start() {
  const log = new TraceLog();
  const filter = {};
  const body = $('#details-body');
  let shown = null;

  const timeline = createTimeline({
    list: $('#timeline-list'),
    spacer: $('#timeline-spacer'),
    empty: $('#timeline-empty'),
    count: $('#timeline-count'),
    me: undefined, // no client ids here: every row is "no client"
    people: new People(), // one colour for all of them
    onSelect: () => {
      shown = null;
      drawDetails();
    },
  });

  function drawDetails() {
    const trace = timeline.selectedId ? log.get(timeline.selectedId) : null;
    const version = trace ? `${trace.id}:${trace.version}` : 'none';
    if (version === shown && (!trace || trace.end)) return;
    shown = version;
    // readOnly: this page wires no Copy as curl or Replay (they are the lab's timeline-tools.js).
    renderDetails(body, trace, { me: undefined, now: performance.now(), readOnly: true, wire: wireSections });
    if (trace) body.append(outputSection(trace));
  }

  let queued = false;
  function draw() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      timeline.update(log, filter);
      drawDetails();
      if (timeline.hasRunning()) setTimeout(draw, 100);
    });
  }

  const banner = $('#banner');
  const connection = $('#connection');
  createStream({
    api,
    lastId: () => log.lastId,
    onEvents(events, live) {
      for (const event of events) {
        if (log.apply(event, live ? performance.now() : null) === 'clear') timeline.reset();
      }
      draw();
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

  $('#filter-text').addEventListener('input', (e) => {
    const query = parseFilter(e.target.value);
    filter.text = e.target.value; // the timeline re-filters when its filter's fields change
    filter.matches = query.terms.length ? (trace) => matchesQuery(trace, query) : null;
    draw();
  });
  $('#filter-status').addEventListener('change', (e) => { filter.status = e.target.value; draw(); });
  $('#clear-log').addEventListener('click', async () => {
    const res = await api.clear();
    if (!res.ok) {
      banner.hidden = false;
      banner.textContent = `Could not clear the log (HTTP ${res.status}).`;
    }
  });
}

start();
