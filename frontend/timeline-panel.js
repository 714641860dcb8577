// The timeline panel: the filter form, the Clear button, the list, and the details of
// the selected request, redrawn at most once a frame (and every 100 ms while one runs).

import { $, $$, fill, h } from './dom.js';
import { personLabel } from './people.js';
import { matchesFilter } from './trace-log.js';
import { createTimeline } from './timeline.js';
import { createSplitter } from './splitter.js';

const MAX_ACTIVITY = 4;

/** `sections(trace, wireSections)`: the sections shown above the steps (the trace page adds its own). */
export function createTimelinePanel(options) {
  const panel = new TimelinePanel(options);
  const { timeline, people, person } = panel;
  return {
    draw: () => panel.draw(),
    /** Select the row of `call` (api.js) when its request starts. */
    expect(call) {
      panel.expected = call;
    },
    started: (traces) => panel.started(traces),
    reset() {
      timeline.reset();
      panel.detailsVersion = null;
    },
    noteLabEvents: (events) => events.length && panel.noteActivity(events),
    setRowHeight: (px) => timeline.setRowHeight(px),
    /** Someone new, or a new name: the one-person filter lists everyone but this page. */
    peopleChanged() {
      const others = people.list().filter((p) => p.key !== person);
      const select = $('#filter-client');
      const chosen = select.value;
      fill($('#filter-people'), others.map((p) => h('option', { value: `person:${p.key}` }, personLabel(p))));
      select.value = chosen;
      panel.draw();
    },
  };
}

class TimelinePanel {
  constructor({ log, person, lab, api, people, toast, onReplay, sections = (trace, wire) => wire(trace) }) {
    Object.assign(this, { log, person, lab, api, people, toast, onReplay, sections });
    this.activity = []; // the lab's last few changes (settings, clear, names), with who
    this.filter = {
      text: '', status: 'all', client: 'all', hideReads: $('#filter-reads').checked, sort: { key: null, dir: 'asc' },
      hidden: new Set(), cleared: 0, // this page's own Clear: the rows it hid, and how often (a cache key)
    };
    this.detailsVersion = null;
    this.drawQueued = false;
    this.expected = null; // this page's next request: its row is selected when it starts
    this.shown = log; // the live log, or an imported file's (read-only)
    // details.js and wire.js, loaded with the first request shown: until then the page's
    // own "Select a request" stands, and the first load carries neither (page-weight.spec.js).
    this.view = null;
    this.viewLoading = null;
    this.waterfall = null; // waterfall.js's view, loaded when the Waterfall box is first ticked
    this.query = null; // filter.js's parsed text
    this.undo = null; // the Clear's line above the timeline, with the rows hidden before it
    this.timeline = this.makeTimeline();
    this.bindFilter();
    this.bindClear();
    createSplitter({ panel: $('.timeline-panel'), handle: $('#splitter') });
    this.bindWaterfall();
    this.bindTools();
  }

  makeTimeline() {
    return createTimeline({
      list: $('#timeline-list'),
      spacer: $('#timeline-spacer'),
      empty: $('#timeline-empty'),
      count: $('#timeline-count'),
      me: this.person,
      people: this.people,
      onSelect: () => {
        this.detailsVersion = null;
        this.drawDetails();
        this.drawWaterfall();
      },
      onShowAgain: () => {
        this.filter.hidden = new Set();
        this.filter.cleared += 1;
        this.draw();
      },
      onShowFiltered: () => {
        $('#filter-text').value = '';
        $('#filter-status').value = 'all';
        $('#filter-client').value = 'all';
        $('#filter-reads').checked = false;
        this.readFilter();
      },
    });
  }

  selected() {
    return this.timeline.selectedId ? this.shown.get(this.timeline.selectedId) : null;
  }

  drawDetails() {
    const trace = this.selected();
    if (!this.view) {
      this.viewLoading ??= trace && Promise.all([import('./details.js'), import('./wire.js')]).then(([details, wire]) => {
        this.view = { render: details.renderDetails, wire: (trace) => this.sections(trace, wire.wireSections) };
        this.drawDetails();
      });
      return;
    }
    const version = trace ? `${trace.id}:${trace.version}` : 'none';
    if (version === this.detailsVersion && (!trace || trace.end)) return;
    this.detailsVersion = version;
    this.view.render($('#details-body'), trace, { me: this.person, now: performance.now(), readOnly: this.shown !== this.log, wire: this.view.wire });
  }

  drawWaterfall() {
    return this.waterfall?.draw(this.selected());
  }

  draw() {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.timeline.update(this.shown, this.filter);
      this.drawDetails();
      this.drawWaterfall();
      if (this.timeline.hasRunning()) setTimeout(() => this.draw(), 100);
    });
  }

  started(traces) {
    const { expected } = this;
    const trace = expected && traces.find((t) => t.request.method === expected.method && t.request.path === expected.path);
    if (!trace) return;
    this.expected = null;
    this.timeline.select(trace.id, true);
  }

  // filter.js (the query syntax and sorting) loads when text is typed or a column sorted.
  // The text and sort are set with their functions, after the await: the list caches by
  // them, so a redraw in between must not see new words with the old matcher.
  async applyQuery(sort = this.filter.sort) {
    const { filter } = this;
    const text = $('#filter-text').value;
    const { parseFilter, matchesQuery, sortTraces } = text.trim() || sort.key ? await import('./filter.js') : {};
    this.query = text.trim() ? parseFilter(text) : null;
    const parsed = this.query;
    filter.text = text;
    filter.matches = parsed ? (trace) => matchesQuery(trace, parsed) : null;
    filter.sort = sort;
    filter.order = sort.key ? (rows) => sortTraces(rows, sort) : null;
    const errors = this.query?.errors ?? [];
    $('#filter-text').setAttribute('aria-invalid', String(errors.length > 0));
    $('#filter-error').hidden = !errors.length;
    $('#filter-error').textContent = errors.length ? `Ignored, not a valid regex: ${errors.join('; ')}` : '';
    this.draw();
  }

  readFilter() {
    this.filter.status = $('#filter-status').value;
    this.filter.client = $('#filter-client').value;
    this.filter.hideReads = $('#filter-reads').checked;
    this.applyQuery();
  }

  bindFilter() {
    const readFilter = () => this.readFilter();
    for (const id of ['#filter-text', '#filter-status', '#filter-client', '#filter-reads']) {
      $(id).addEventListener('input', readFilter);
    }
    // A column's button sorts ascending, then descending, then back to arrival order
    // (timeline-tools.js, loaded on the first click).
    for (const button of $$('[data-sort]')) button.setAttribute('aria-pressed', 'false');
    $('.timeline-head').addEventListener('click', async (e) => {
      const button = e.target.closest('[data-sort]');
      if (button) this.applyQuery((await import('./timeline-tools.js')).nextSort(this.filter.sort, button.dataset.sort));
    });
  }

  // DevTools' Clear: the rows so far are hidden here; nobody else's timeline changes.
  // Its line above the timeline has an Undo, until the next Clear.
  bindClear() {
    const { log, person } = this;
    $('#clear-mine').addEventListener('click', () => {
      const shownBefore = log.order.filter((t) => matchesFilter(t, { ...this.filter, me: person })).length;
      this.undo = { type: 'mine', time: Date.now() / 1000, hidden: shownBefore, before: this.filter.hidden };
      this.setHidden(new Set(log.order.map((t) => t.id))); // every row so far: bounded by the log
      this.noteActivity([this.undo]);
    });
  }

  undoClear() {
    this.setHidden(this.undo.before);
    this.activity.splice(this.activity.indexOf(this.undo), 1);
    this.undo = null;
    this.noteActivity([]);
  }

  setHidden(hidden) {
    this.filter.hidden = hidden;
    this.filter.cleared += 1;
    this.timeline.reset();
    this.detailsVersion = null;
    this.draw();
  }

  bindWaterfall() {
    $('#waterfall-toggle').addEventListener('change', async (e) => {
      this.waterfall ??= (await import('./waterfall.js')).createWaterfall({ panel: $('.timeline-panel'), timeline: this.timeline });
      this.waterfall.show(e.target.checked); // read after the load: a click meanwhile wins
      this.draw();
    });
  }

  // The exports, the import and the details' actions (timeline-tools.js) load when first used.
  bindTools() {
    const { log, lab, api, toast, onReplay } = this;
    const context = { log, lab, api, toast, onReplay, selected: () => this.selected(), show: (next, note) => this.show(next, note) };
    const tools = (name) => async (e) => (await import('./timeline-tools.js'))[name](e, { ...context });
    $('#export-har').addEventListener('click', tools('exportHar'));
    $('#export-json').addEventListener('click', tools('exportJson'));
    $('#import-json').addEventListener('click', () => $('#import-file').click());
    $('#import-file').addEventListener('change', tools('importFile'));
    $('#back-to-live').addEventListener('click', () => this.show(log, null));
    $('#clear-log').addEventListener('click', tools('clearForAll'));
    $('#details-body').addEventListener('click', (e) => e.target.closest('[data-action]') && tools('detailsAction')(e));
  }

  show(next, note) {
    this.shown = next;
    this.timeline.reset();
    this.detailsVersion = null;
    $('#imported-note').hidden = !note;
    $('#imported-text').textContent = note ?? '';
    this.draw();
  }

  /** Lab events (event-router.js) and this page's own clears: above the requests, newest last. */
  async noteActivity(events) {
    const { drawActivity } = await import('./workshop.js');
    this.activity.push(...events);
    this.activity.splice(0, Math.max(0, this.activity.length - MAX_ACTIVITY));
    drawActivity($('#lab-activity'), this.activity, this.undo, () => this.undoClear());
  }
}
