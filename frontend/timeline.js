// The hook timeline: a virtual list of requests, each row its steps on a time axis.
// Renders from the TraceLog it is given; never fetches.

import { h, fill } from './dom.js';
import { clientName, formatDuration, requestLine, statusClass } from './format.js';
import { colourStyle, isMine } from './people.js';
import { atBottom, scrollToRow, traceTotal, visibleRange, waterfall } from './layout.js';
import { cookieRejected, emptyReason, errorKind, matchesFilter, traceHasError } from './trace-log.js';
import { stepFailed } from './step-failed.js';

const ROW_HEIGHT = 30;

export function createTimeline({ list, spacer, empty, count, me, people, onSelect, onShowAgain = () => {}, onShowFiltered = () => {} }) {
  let log = null;
  let filter = {};
  let rows = [];
  let selectedId = null;
  let follow = true;
  let seenVersion = -1;
  let seenFilter = null;
  let axis = null; // waterfall.js's shared axis; null: each row on its own axis
  const rendered = new Map();
  const nothingText = empty.textContent; // the page's own words for "no request yet"
  let rowHeight = ROW_HEIGHT;
  list.style.setProperty('--row-h', `${rowHeight}px`); // the one row height, for CSS too

  // The list's height and scroll position, kept: a draw reads no layout.
  let viewport = list.clientHeight;
  let top = 0;
  new ResizeObserver(([entry]) => {
    viewport = entry.contentRect.height;
    draw();
  }).observe(list);
  const scrollTo = (y) => {
    top = Math.max(0, Math.min(y, rows.length * rowHeight - viewport));
    list.scrollTop = top;
  };

  list.addEventListener('scroll', () => {
    top = list.scrollTop;
    follow = atBottom(top, viewport, Math.max(viewport, rows.length * rowHeight));
    draw();
  }, { passive: true });

  list.addEventListener('click', (e) => {
    const row = e.target.closest('[data-trace]');
    if (row) select(row.dataset.trace, true);
  });

  list.addEventListener('keydown', (e) => {
    if (!rows.length) return;
    const index = rows.findIndex((t) => t.id === selectedId);
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
    select(rows[next].id, true);
  });

  function select(id, reveal) {
    selectedId = id;
    draw(); // first: the rows then include a request that has only just arrived
    const index = reveal ? rows.findIndex((t) => t.id === id) : -1;
    if (index !== -1) {
      const to = scrollToRow(index, top, viewport, rowHeight);
      if (to !== null) {
        scrollTo(to);
        draw();
      }
      follow = index === rows.length - 1;
    }
    onSelect(id);
  }

  function refilter() {
    const key = JSON.stringify(filter);
    if (log.version === seenVersion && key === seenFilter) return false;
    seenVersion = log.version;
    seenFilter = key;
    const kept = log.order.filter((t) => matchesFilter(t, { ...filter, me }));
    rows = filter.order ? filter.order(kept) : kept;
    return true;
  }

  function draw() {
    if (!log) return;
    const changed = refilter();
    spacer.style.height = `${rows.length * rowHeight}px`;
    if (changed && follow) scrollTo(Infinity);
    const total = log.size;
    count.textContent = rows.length === total
      ? `${total} request${total === 1 ? '' : 's'}`
      : `${rows.length} of ${total} requests`;
    if (changed) drawEmpty();
    const { start, end } = visibleRange(top, viewport || 300, rowHeight, rows.length);
    const keep = new Set();
    let added = false;
    const now = performance.now();
    const axisKey = axis?.measure(rows, now) ?? null;
    for (let i = start; i < end; i += 1) {
      const trace = rows[i];
      keep.add(trace.id);
      let entry = rendered.get(trace.id);
      if (!entry) {
        entry = { el: h('div', { role: 'option', class: 'row', id: `trace-${trace.id}`, dataset: { trace: trace.id } }), version: -1 };
        rendered.set(trace.id, entry);
        added = true;
      }
      const selected = trace.id === selectedId;
      entry.el.style.transform = `translateY(${i * rowHeight}px)`;
      entry.el.setAttribute('aria-posinset', String(i + 1));
      entry.el.setAttribute('aria-setsize', String(rows.length));
      if (entry.version !== trace.version || entry.selected !== selected || !trace.end || entry.axis !== axisKey || entry.people !== people.version) {
        renderRow(entry.el, trace, selected, now);
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
    if (added) spacer.append(...rows.slice(start, end).map((t) => rendered.get(t.id).el));
    if (selectedId && keep.has(selectedId)) list.setAttribute('aria-activedescendant', `trace-${selectedId}`);
    else list.removeAttribute('aria-activedescendant');
  }

  /** The empty state says which case holds: nothing yet, cleared here, or filtered out. */
  function drawEmpty() {
    const reason = rows.length ? null : emptyReason(log.order, { ...filter, me });
    empty.hidden = !reason;
    empty.dataset.reason = reason?.kind ?? '';
    if (!reason) return;
    const n = `${reason.count} request${reason.count === 1 ? '' : 's'}`;
    if (reason.kind === 'nothing') {
      fill(empty, nothingText);
    } else if (reason.kind === 'cleared') {
      fill(empty, `You cleared your view: ${n} hidden on this page only. `,
        h('button', { type: 'button', class: 'btn small', onclick: onShowAgain }, 'Show again'));
    } else {
      fill(empty, `${n} hidden by filters${filter.hideReads ? ' ("Hide page reads" hides the page\'s own reads)' : ''}. `,
        h('button', { type: 'button', class: 'btn small', onclick: onShowFiltered }, 'Show all'));
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

  function renderRow(el, trace, selected, now) {
    const r = trace.request;
    const status = trace.end?.status;
    const isMe = isMine(trace, me);
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
        axis ? axis.bars(trace, now) : ownAxis(trace.steps, total)),
    );
  }

  function ownAxis(steps, total) {
    const bars = waterfall(steps, total);
    return steps.map((s, i) => h('span', {
      class: `bar k-${s.kind}${stepFailed(s) ? ' err' : ''}`,
      style: { left: `${bars[i].left}%`, width: `${bars[i].width}%` },
      title: `${s.name} ${formatDuration(s.duration_ms)}`,
    }));
  }

  return {
    update(nextLog, nextFilter) {
      log = nextLog;
      filter = nextFilter;
      draw();
    },
    reset() {
      for (const entry of rendered.values()) entry.el.remove();
      rendered.clear();
      seenVersion = -1;
      follow = true;
      selectedId = null;
    },
    select,
    /** Rows `px` tall (null: the usual). */
    setRowHeight(px) {
      const first = Math.floor(top / rowHeight);
      rowHeight = px ?? ROW_HEIGHT;
      list.style.setProperty('--row-h', `${rowHeight}px`);
      draw();
      scrollTo(follow ? Infinity : first * rowHeight);
      draw();
    },
    /** Draw every row on `next`, a shared axis (waterfall.js), or on its own (null). */
    setAxis(next) {
      axis = next;
      draw();
    },
    get selectedId() {
      return selectedId;
    },
    hasRunning() {
      return rows.some((t) => !t.end);
    },
  };
}
