// The timeline panel: the filter form, the Clear button, the list, and the details of
// the selected request, redrawn at most once a frame (and every 100 ms while one runs).

import { $ } from './dom.js';
import { createTimeline } from './timeline.js';
import { renderDetails } from './details.js';
import { parseFilter } from './filter.js';

export function createTimelinePanel({ log, client, api, toast }) {
  const filter = { text: '', status: 'all', client: 'all', hideReads: false };
  let detailsVersion = null;
  let drawQueued = false;
  let expected = null; // this page's next request: its row is selected when it starts

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

  function draw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      timeline.update(log, filter);
      drawDetails();
      if (timeline.hasRunning()) setTimeout(draw, 100);
    });
  }

  const readFilter = () => {
    filter.text = $('#filter-text').value;
    const { errors } = parseFilter(filter.text);
    $('#filter-text').setAttribute('aria-invalid', String(errors.length > 0));
    $('#filter-error').hidden = !errors.length;
    $('#filter-error').textContent = errors.length ? `Ignored, not a valid regex: ${errors.join('; ')}` : '';
    filter.status = $('#filter-status').value;
    filter.client = $('#filter-client').value;
    filter.hideReads = $('#filter-reads').checked;
    draw();
  };
  for (const id of ['#filter-text', '#filter-status', '#filter-client', '#filter-reads']) {
    $(id).addEventListener('input', readFilter);
  }
  $('#clear-log').addEventListener('click', async () => {
    const res = await api.clearHooks().send();
    if (!res.ok) toast(`Could not clear the log (HTTP ${res.status}).`);
  });

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
  };
}
