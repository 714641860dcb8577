// The timeline panel: the filter form, the Clear button, the list, and the details of
// the selected request, redrawn at most once a frame (and every 100 ms while one runs).

import { $, $$ } from './dom.js';
import { createTimeline } from './timeline.js';
import { renderDetails } from './details.js';
import { parseFilter } from './filter.js';
import { createSplitter } from './splitter.js';

/** Save `text` as a file the browser downloads. */
function download(name, type, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export function createTimelinePanel({ log, client, lab, api, toast, onReplay }) {
  const filter = { text: '', status: 'all', client: 'all', hideReads: false, sort: { key: null, dir: 'asc' } };
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
  // A column's button sorts ascending, then descending, then back to arrival order.
  for (const button of $$('[data-sort]')) {
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', () => {
      const { key, dir } = filter.sort;
      const same = key === button.dataset.sort;
      filter.sort = !same ? { key: button.dataset.sort, dir: 'asc' } : dir === 'asc' ? { key, dir: 'desc' } : { key: null, dir: 'asc' };
      for (const b of $$('[data-sort]')) {
        const on = b.dataset.sort === filter.sort.key;
        b.setAttribute('aria-pressed', String(on));
        b.dataset.dir = on ? filter.sort.dir : '';
        b.title = on ? `Sorted ${filter.sort.dir === 'asc' ? 'ascending' : 'descending'}; click again to ${filter.sort.dir === 'asc' ? 'reverse' : 'restore arrival order'}` : 'Sort by this column';
      }
      draw();
    });
  }
  $('#clear-log').addEventListener('click', async () => {
    const res = await api.clearHooks().send();
    if (!res.ok) toast(`Could not clear the log (HTTP ${res.status}).`);
  });

  createSplitter({ panel: $('.timeline-panel'), handle: $('#splitter') });

  // Exports and the details' actions load their code when first used.
  $('#export-har').addEventListener('click', async () => {
    const { buildHar } = await import('./har.js');
    download(`statelab-${lab}.har`, 'application/json', JSON.stringify(buildHar(log.order, { origin: location.origin }), null, 1));
  });
  $('#export-json').addEventListener('click', () => {
    download(`statelab-${lab}.json`, 'application/json', JSON.stringify({ format: 'statelab-trace', version: 1, lab, traces: log.order }, null, 1));
  });
  $('#details-body').addEventListener('click', async (e) => {
    const action = e.target.closest('[data-action]')?.dataset.action;
    const trace = action && timeline.selectedId ? log.get(timeline.selectedId) : null;
    if (!trace?.request) return;
    if (action === 'replay') {
      onReplay(api.resend(trace.request));
      return;
    }
    const { curlCommand } = await import('./curl.js');
    const command = curlCommand(trace, { origin: location.origin, lab });
    try {
      await navigator.clipboard.writeText(command);
      toast('Copied as curl (with the lab header and the Cookie header).');
    } catch {
      toast(`Copy this: ${command}`);
    }
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
