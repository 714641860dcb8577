// The hook timeline: a virtual list of requests, each row its steps on a time axis.
// Renders from the TraceLog it is given; never fetches.

import { h, fill } from './dom.js';
import { clientName, formatDuration, requestLine, statusClass } from './format.js';
import { colourStyle, isMine } from './people.js';
import { atBottom, scrollToRow, traceTotal, visibleRange, waterfall } from './layout.js';
import { cookieRejected, emptyReason, errorKind, matchesFilter, stepFailed, traceHasError } from './trace-log.js';

const ROW_HEIGHT = 30;

export function createTimeline(options) {
  const t = new Timeline(options);
  return {
    update(nextLog, nextFilter) {
      t.log = nextLog;
      t.filter = nextFilter;
      t.draw();
    },
    reset: () => t.reset(),
    select: (id, reveal) => t.select(id, reveal),
    /** Rows `px` tall (null: the usual). */
    setRowHeight: (px) => t.setRowHeight(px),
    /** Draw every row on `next`, a shared axis (waterfall.js), or on its own (null). */
    setAxis(next) {
      t.axis = next;
      t.draw();
    },
    get selectedId() {
      return t.selectedId;
    },
    hasRunning() {
      return t.rows.some((trace) => !trace.end);
    },
  };
}

class Timeline {
  constructor({ list, spacer, empty, count, me, people, onSelect, onShowAgain = () => {}, onShowFiltered = () => {} }) {
    Object.assign(this, { list, spacer, empty, count, me, people, onSelect, onShowAgain, onShowFiltered });
    this.log = null;
    this.filter = {};
    this.rows = [];
    this.selectedId = null;
    this.follow = true;
    this.seenVersion = -1;
    this.seenFilter = null;
    this.axis = null; // waterfall.js's shared axis; null: each row on its own axis
    this.rendered = new Map();
    this.nothingText = empty.textContent; // the page's own words for "no request yet"
    this.rowHeight = ROW_HEIGHT;
    list.style.setProperty('--row-h', `${this.rowHeight}px`); // the one row height, for CSS too

    // The list's height and scroll position, kept: a draw reads no layout.
    this.viewport = list.clientHeight;
    this.top = 0;
    new ResizeObserver(([entry]) => {
      this.viewport = entry.contentRect.height;
      this.draw();
    }).observe(list);
    this.bindList();
  }

  bindList() {
    const { list } = this;
    list.addEventListener('scroll', () => {
      // The list's own scrollTo (following the newest row) was drawn where it was made.
      if (list.scrollTop === this.top) return;
      this.top = list.scrollTop;
      this.follow = atBottom(this.top, this.viewport, Math.max(this.viewport, this.rows.length * this.rowHeight));
      this.draw();
    }, { passive: true });

    list.addEventListener('click', (e) => {
      const row = e.target.closest('[data-trace]');
      if (row) this.select(row.dataset.trace, true);
    });

    list.addEventListener('keydown', (e) => this.key(e));
  }

  key(e) {
    const { rows, viewport, rowHeight } = this;
    if (!rows.length) return;
    const index = rows.findIndex((t) => t.id === this.selectedId);
    const next = {
      ArrowDown: Math.min(rows.length - 1, index + 1),
      ArrowUp: Math.max(0, index === -1 ? rows.length - 1 : index - 1),
      Home: 0,
      End: rows.length - 1,
      PageDown: Math.min(rows.length - 1, index + Math.floor(viewport / rowHeight)),
      PageUp: Math.max(0, index - Math.floor(viewport / rowHeight)),
    }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    this.select(rows[next].id, true);
  }

  scrollTo(y) {
    this.top = Math.max(0, Math.min(y, this.rows.length * this.rowHeight - this.viewport));
    this.list.scrollTop = this.top;
  }

  select(id, reveal) {
    this.selectedId = id;
    this.draw(); // first: the rows then include a request that has only just arrived
    const index = reveal ? this.rows.findIndex((t) => t.id === id) : -1;
    if (index !== -1) {
      const to = scrollToRow(index, this.top, this.viewport, this.rowHeight);
      if (to !== null) {
        this.scrollTo(to);
        this.draw();
      }
      this.follow = index === this.rows.length - 1;
    }
    this.onSelect(id);
  }

  reset() {
    for (const entry of this.rendered.values()) entry.el.remove();
    this.rendered.clear();
    this.seenVersion = -1;
    this.follow = true;
    this.selectedId = null;
  }

  setRowHeight(px) {
    const first = Math.floor(this.top / this.rowHeight);
    this.rowHeight = px ?? ROW_HEIGHT;
    this.list.style.setProperty('--row-h', `${this.rowHeight}px`);
    this.draw();
    this.scrollTo(this.follow ? Infinity : first * this.rowHeight);
    this.draw();
  }

  /** Whether the rows shown changed: an event the filter hides changes none. */
  refilter() {
    const { log, filter } = this;
    const key = JSON.stringify(filter);
    if (log.version === this.seenVersion && key === this.seenFilter) return false;
    this.seenVersion = log.version;
    this.seenFilter = key;
    const kept = log.order.filter((t) => matchesFilter(t, { ...filter, me: this.me }));
    const rows = filter.order ? filter.order(kept) : kept;
    const same = rows.length === this.rows.length && rows.every((t, i) => t === this.rows[i]);
    this.rows = rows;
    return !same || !rows.length; // the empty state's counts follow every event
  }

  // Each write below is skipped when it would write what is there: in a class, most events
  // are others' page reads, hidden here, and a write would lay the page out again.
  draw() {
    if (!this.log) return;
    const changed = this.refilter();
    const { rows, rowHeight } = this;
    const height = `${rows.length * rowHeight}px`;
    if (this.spacer.style.height !== height) this.spacer.style.height = height;
    if (changed && this.follow) this.scrollTo(Infinity);
    const total = this.log.size;
    const count = rows.length === total
      ? `${total} request${total === 1 ? '' : 's'}`
      : `${rows.length} of ${total} requests`;
    if (this.count.textContent !== count) this.count.textContent = count;
    if (changed) this.drawEmpty();
    const { start, end } = visibleRange(this.top, this.viewport || 300, rowHeight, rows.length);
    const keep = this.drawRows(start, end);
    const { selectedId } = this;
    if (selectedId && keep.has(selectedId)) this.list.setAttribute('aria-activedescendant', `trace-${selectedId}`);
    else this.list.removeAttribute('aria-activedescendant');
  }

  /** Rows `start` to `end` drawn, the others' elements dropped; returns the ids kept. */
  drawRows(start, end) {
    const { rows, rowHeight, rendered, people } = this;
    const keep = new Set();
    let added = false;
    const now = performance.now();
    const axisKey = this.axis?.measure(rows, now) ?? null;
    for (let i = start; i < end; i += 1) {
      const trace = rows[i];
      keep.add(trace.id);
      let entry = rendered.get(trace.id);
      if (!entry) {
        entry = { el: h('div', { role: 'option', class: 'row', id: `trace-${trace.id}`, dataset: { trace: trace.id } }), version: -1 };
        rendered.set(trace.id, entry);
        added = true;
      }
      const selected = trace.id === this.selectedId;
      entry.el.style.transform = `translateY(${i * rowHeight}px)`;
      entry.el.setAttribute('aria-posinset', String(i + 1));
      entry.el.setAttribute('aria-setsize', String(rows.length));
      if (entry.version !== trace.version || entry.selected !== selected || !trace.end || entry.axis !== axisKey || entry.people !== people.version) {
        this.renderRow(entry.el, trace, selected, now);
        entry.version = trace.version;
        entry.selected = selected;
        entry.axis = axisKey;
        entry.people = people.version; // a name or colour learned later redraws the row
      }
    }
    for (const [id, entry] of rendered) {
      if (!keep.has(id)) {
        entry.el.remove();
        rendered.delete(id);
      }
    }
    // The rows' DOM order is the list's order (screen readers and tests read it), not arrival's.
    if (added) this.spacer.append(...rows.slice(start, end).map((t) => rendered.get(t.id).el));
    return keep;
  }

  /** The empty state says which case holds: nothing yet, cleared here, or filtered out. */
  drawEmpty() {
    const { empty, filter } = this;
    const reason = this.rows.length ? null : emptyReason(this.log.order, { ...filter, me: this.me });
    empty.hidden = !reason;
    empty.dataset.reason = reason?.kind ?? '';
    if (!reason) return;
    const n = `${reason.count} request${reason.count === 1 ? '' : 's'}`;
    if (reason.kind === 'nothing') {
      fill(empty, this.nothingText);
    } else if (reason.kind === 'cleared') {
      fill(empty, `You cleared your view: ${n} hidden on this page only. `,
        h('button', { type: 'button', class: 'btn small', onclick: this.onShowAgain }, 'Show again'));
    } else {
      fill(empty, `${n} hidden by filters${filter.hideReads ? ' ("Hide page reads" hides the page\'s own reads)' : ''}. `,
        h('button', { type: 'button', class: 'btn small', onclick: this.onShowFiltered }, 'Show all'));
    }
  }

  renderRow(el, trace, selected, now) {
    const { people } = this;
    const r = trace.request;
    const status = trace.end?.status;
    const isMe = isMine(trace, this.me);
    el.setAttribute('aria-selected', String(selected));
    el.className = `row ${statusClass(status)}${traceHasError(trace) ? ' has-error' : ''}${selected ? ' selected' : ''}`;
    const colour = colourStyle(people.colour(trace.person));
    for (const [name, value] of Object.entries(colour)) el.style.setProperty(name, value);
    const total = traceTotal(trace, now);
    fill(el,
      h('span', { class: 'cell client', title: `${trace.person ?? 'no X-Client-Id'}${people.browser(trace.person) ? `, ${people.browser(trace.person)}` : ''}` },
        h('span', { class: 'swatch', 'aria-hidden': 'true' }), isMe ? 'you' : people.name(trace.person) ?? clientName(trace.person)),
      h('span', { class: 'cell req' }, errorMark(trace), rejectedMark(trace), h('span', { class: 'method' }, r?.method ?? '…'), ' ', h('span', { class: 'path' }, requestLine(r))),
      h('span', { class: `cell status ${statusClass(status)}` }, status ?? (trace.end ? '–' : 'pending')),
      h('span', { class: 'cell dur' }, formatDuration(total)),
      h('span', { class: `cell bars${trace.end ? '' : ' running'}`, 'aria-hidden': 'true' },
        this.axis ? this.axis.bars(trace, now) : ownAxis(trace.steps, total)),
    );
  }
}

function errorMark(trace) {
  const kind = errorKind(trace);
  if (!kind) return null;
  return h('span', { class: `err-kind ${kind}`, title: kind === 'raised'
    ? 'An exception was raised: got_request_exception was sent, teardown received it'
    : 'An HTTP error answered (abort): no exception signal, teardown received None' }, kind === 'raised' ? 'raised' : 'abort');
}

/** The signed session cookie this request carried, refused by Flask (bad signature, expired…). */
function rejectedMark(trace) {
  const why = cookieRejected(trace);
  return why ? h('span', { class: 'err-kind rejected', 'data-testid': 'cookie-rejected', title: `Flask refused the session cookie (${why}) and opened an empty session` }, 'cookie rejected') : null;
}

function ownAxis(steps, total) {
  const bars = waterfall(steps, total);
  return steps.map((s, i) => h('span', {
    class: `bar k-${s.kind}${stepFailed(s) ? ' err' : ''}`,
    style: { left: `${bars[i].left}%`, width: `${bars[i].width}%` },
    title: `${s.name} ${formatDuration(s.duration_ms)}`,
  }));
}
