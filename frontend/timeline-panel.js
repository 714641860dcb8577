// The timeline panel: the filter form, the Clear button, the list, and the details of
// the selected request, redrawn at most once a frame (and every 100 ms while one runs).

import { $, $$, fill, h } from './dom.js';
import { personLabel } from './people.js';
import { matchesFilter } from './trace-log.js';
import { createTimeline } from './timeline.js';
import { createSplitter } from './splitter.js';

const MAX_ACTIVITY = 4;

/** `sections(trace, wireSections)`: the sections shown above the steps (the trace page adds its own). */
export function createTimelinePanel({ log, person, lab, api, people, toast, onReplay, sections = (trace, wire) => wire(trace) }) {
  const activity = []; // the lab's last few changes (settings, clear, names), with who
  const filter = {
    text: '', status: 'all', client: 'all', hideReads: $('#filter-reads').checked, sort: { key: null, dir: 'asc' },
    hidden: new Set(), cleared: 0, // this page's own Clear: the rows it hid, and how often (a cache key)
  };
  let detailsVersion = null;
  let drawQueued = false;
  let expected = null; // this page's next request: its row is selected when it starts
  let shown = log; // the live log, or an imported file's (read-only)
  // details.js and wire.js, loaded with the first request shown: until then the page's
  // own "Select a request" stands, and the first load carries neither (page-weight.spec.js).
  let view = null;
  let viewLoading = null;
  let waterfall = null; // waterfall.js's view, loaded when the Waterfall box is first ticked

  const timeline = createTimeline({
    list: $('#timeline-list'),
    spacer: $('#timeline-spacer'),
    empty: $('#timeline-empty'),
    count: $('#timeline-count'),
    me: person,
    people,
    onSelect: () => {
      detailsVersion = null;
      drawDetails();
      drawWaterfall();
    },
    onShowAgain: () => {
      filter.hidden = new Set();
      filter.cleared += 1;
      draw();
    },
    onShowFiltered: () => {
      $('#filter-text').value = '';
      $('#filter-status').value = 'all';
      $('#filter-client').value = 'all';
      $('#filter-reads').checked = false;
      readFilter();
    },
  });

  function drawDetails() {
    const trace = timeline.selectedId ? shown.get(timeline.selectedId) : null;
    if (!view) {
      viewLoading ??= trace && Promise.all([import('./details.js'), import('./wire.js')]).then(([details, wire]) => {
        view = { render: details.renderDetails, wire: (trace) => sections(trace, wire.wireSections) };
        drawDetails();
      });
      return;
    }
    const version = trace ? `${trace.id}:${trace.version}` : 'none';
    if (version === detailsVersion && (!trace || trace.end)) return;
    detailsVersion = version;
    view.render($('#details-body'), trace, { me: person, now: performance.now(), readOnly: shown !== log, wire: view.wire });
  }

  const drawWaterfall = () => waterfall?.draw(timeline.selectedId ? shown.get(timeline.selectedId) : null);

  function draw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      timeline.update(shown, filter);
      drawDetails();
      drawWaterfall();
      if (timeline.hasRunning()) setTimeout(draw, 100);
    });
  }

  // filter.js (the query syntax and sorting) loads when text is typed or a column sorted.
  let query = null;
  const queryModule = () => import('./filter.js');
  // The text and sort are set with their functions, after the await: the list caches by
  // them, so a redraw in between must not see new words with the old matcher.
  async function applyQuery(sort = filter.sort) {
    const text = $('#filter-text').value;
    const { parseFilter, matchesQuery, sortTraces } = text.trim() || sort.key ? await queryModule() : {};
    query = text.trim() ? parseFilter(text) : null;
    const parsed = query;
    filter.text = text;
    filter.matches = parsed ? (trace) => matchesQuery(trace, parsed) : null;
    filter.sort = sort;
    filter.order = sort.key ? (rows) => sortTraces(rows, sort) : null;
    const errors = query?.errors ?? [];
    $('#filter-text').setAttribute('aria-invalid', String(errors.length > 0));
    $('#filter-error').hidden = !errors.length;
    $('#filter-error').textContent = errors.length ? `Ignored, not a valid regex: ${errors.join('; ')}` : '';
    draw();
  }
  const readFilter = () => {
    filter.status = $('#filter-status').value;
    filter.client = $('#filter-client').value;
    filter.hideReads = $('#filter-reads').checked;
    applyQuery();
  };
  for (const id of ['#filter-text', '#filter-status', '#filter-client', '#filter-reads']) {
    $(id).addEventListener('input', readFilter);
  }
  // A column's button sorts ascending, then descending, then back to arrival order
  // (timeline-tools.js, loaded on the first click).
  for (const button of $$('[data-sort]')) button.setAttribute('aria-pressed', 'false');
  $('.timeline-head').addEventListener('click', async (e) => {
    const button = e.target.closest('[data-sort]');
    if (button) applyQuery((await import('./timeline-tools.js')).nextSort(filter.sort, button.dataset.sort));
  });
  // DevTools' Clear: the rows so far are hidden here; nobody else's timeline changes.
  // Its line above the timeline has an Undo, until the next Clear.
  let undo = null; // that line, with the rows hidden before it
  $('#clear-mine').addEventListener('click', () => {
    const shownBefore = log.order.filter((t) => matchesFilter(t, { ...filter, me: person })).length;
    undo = { type: 'mine', time: Date.now() / 1000, hidden: shownBefore, before: filter.hidden };
    setHidden(new Set(log.order.map((t) => t.id))); // every row so far: bounded by the log
    noteActivity([undo]);
  });
  function undoClear() {
    setHidden(undo.before);
    activity.splice(activity.indexOf(undo), 1);
    undo = null;
    noteActivity([]);
  }
  function setHidden(hidden) {
    filter.hidden = hidden;
    filter.cleared += 1;
    timeline.reset();
    detailsVersion = null;
    draw();
  }

  createSplitter({ panel: $('.timeline-panel'), handle: $('#splitter') });

  $('#waterfall-toggle').addEventListener('change', async (e) => {
    waterfall ??= (await import('./waterfall.js')).createWaterfall({ panel: $('.timeline-panel'), timeline });
    waterfall.show(e.target.checked); // read after the load: a click meanwhile wins
    draw();
  });

  // The exports, the import and the details' actions (timeline-tools.js) load when first used.
  const tools = (name) => async (e) => (await import('./timeline-tools.js'))[name](e, {
    log, lab, api, toast, onReplay, selected: () => (timeline.selectedId ? shown.get(timeline.selectedId) : null), show,
  });
  function show(next, note) {
    shown = next;
    timeline.reset();
    detailsVersion = null;
    $('#imported-note').hidden = !note;
    $('#imported-text').textContent = note ?? '';
    draw();
  }
  $('#export-har').addEventListener('click', tools('exportHar'));
  $('#export-json').addEventListener('click', tools('exportJson'));
  $('#import-json').addEventListener('click', () => $('#import-file').click());
  $('#import-file').addEventListener('change', tools('importFile'));
  $('#back-to-live').addEventListener('click', () => show(log, null));
  $('#clear-log').addEventListener('click', tools('clearForAll'));
  $('#details-body').addEventListener('click', (e) => e.target.closest('[data-action]') && tools('detailsAction')(e));

  return {
    draw,
    /** Select the row of `call` (api.js) when its request starts. */
    expect(call) {
      expected = call;
    },
    started(traces) {
      const trace = expected && traces.find((t) => t.request.method === expected.method && t.request.path === expected.path);
      if (!trace) return;
      expected = null;
      timeline.select(trace.id, true);
    },
    reset() {
      timeline.reset();
      detailsVersion = null;
    },
    noteLabEvents: (events) => events.length && noteActivity(events),
    setRowHeight: (px) => timeline.setRowHeight(px),
    /** Someone new, or a new name: the one-person filter lists everyone but this page. */
    peopleChanged() {
      const others = people.list().filter((p) => p.key !== person);
      const select = $('#filter-client');
      const chosen = select.value;
      fill($('#filter-people'), others.map((p) => h('option', { value: `person:${p.key}` }, personLabel(p))));
      select.value = chosen;
      draw();
    },
  };

  /** Lab events (event-router.js) and this page's own clears: above the requests, newest last. */
  async function noteActivity(events) {
    const { drawActivity } = await import('./workshop.js');
    activity.push(...events);
    activity.splice(0, Math.max(0, activity.length - MAX_ACTIVITY));
    drawActivity($('#lab-activity'), activity, undo, undoClear);
  }
}
