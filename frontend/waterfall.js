// The waterfall: every request shown on one shared time axis (DevTools' habit), next to
// the per-request zoom, and the selected request's steps on a strip that keeps small
// steps readable. Loaded with `import()` when the Waterfall box is first ticked.
// Times are the trace's own: the server's clock for starts, its measured durations.

import { h, fill } from './dom.js';
import { formatDuration, requestLine, statusClass } from './format.js';
import { CUT_OVER_MS, sharedScale, traceSpan } from './waterfall-scale.js';
import { stepFailed } from './trace-log.js';

// Its stylesheet comes with it: the page's initial weight carries none of it.
document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: new URL('./waterfall.css', import.meta.url).href }));

const STEP_MIN_PX = 64; // waterfall.css's .strip-step min-width, as the caption says it
const pct = (f) => `${(f * 100).toFixed(3)}%`;

/** The shared axis the timeline's rows are drawn on (timeline.js `setAxis`). */
function createAxis() {
  let scale = sharedScale([]);
  let seen = null;
  return {
    get scale() {
      return scale;
    },
    /** Re-measure for these rows; answers a key that changes whenever a position does. */
    measure(rows, now) {
      if (rows === seen && rows.every((t) => t.end)) return scale.key;
      seen = rows;
      scale = sharedScale(rows.map((t) => traceSpan(t, now)));
      return scale.key;
    },
    /** A row's bars: its extent on the shared axis, its steps inside at their real offsets. */
    bars(trace, now) {
      const span = traceSpan(trace, now);
      if (!span) return null;
      const { x } = scale;
      const left = x(span.start);
      const width = x(span.end) - left;
      const within = (t) => (width > 0 ? (x(t) - left) / width : 0);
      return h('span', { class: `extent ${statusClass(trace.end?.status)}`, style: { left: pct(left), width: pct(width) } },
        trace.steps.map((s) => {
          const from = within(span.start + s.offset_ms);
          return h('span', {
            class: `bar k-${s.kind}${stepFailed(s) ? ' err' : ''}`,
            style: { left: pct(from), width: pct(within(span.start + s.offset_ms + s.duration_ms) - from) },
          });
        }));
    },
  };
}

const LABEL_PX = 6.5; // per character of the ruler's 10.5 px monospace labels, and a gap

/** The ruler: each drawn stretch's start (time since the first request), the end, the cuts. */
function ruler(scale, width) {
  if (!scale.stretches.length) return null;
  const end = `+${formatDuration(scale.end - scale.start)}`;
  const endAt = width - end.length * LABEL_PX;
  let free = 0;
  const ticks = [];
  for (const s of scale.stretches) { // left to right, each only where it has room
    const text = s === scale.stretches[0] ? '0' : `+${formatDuration(s.start - scale.start)}`;
    const at = s.from * width;
    if (at < free || at + (text.length + 1) * LABEL_PX > endAt) continue;
    ticks.push(h('span', { class: 'tick', style: { left: pct(s.from) } }, text));
    free = at + (text.length + 1) * LABEL_PX;
  }
  return [
    ticks,
    h('span', { class: 'tick end' }, end),
    scale.cuts.map((c) => h('span', { class: 'cut', style: { left: pct(c.at), width: pct(c.width) }, title: `${formatDuration(c.ms)} with no request running: cut` })),
  ];
}

function strip(trace) {
  if (!trace) return h('p', { class: 'strip-empty' }, 'Select a request: its steps appear here, each readable.');
  return h('ol', { class: 'strip-steps' }, trace.steps.map((s) => h('li', {
    class: `strip-step k-${s.kind}${stepFailed(s) ? ' err' : ''}`,
    style: { flexGrow: String(Math.max(s.duration_ms, 0)) },
    title: `${s.name}: ${s.function} took ${formatDuration(s.duration_ms)}, from ${formatDuration(s.offset_ms)}`,
    dataset: { step: s.name },
  }, h('span', { class: 'strip-name' }, s.name), h('span', { class: 'strip-ms' }, formatDuration(s.duration_ms)))));
}

/** The view: its band under the column heads, and the shared axis for the rows. */
export function createWaterfall({ panel, timeline }) {
  const axis = createAxis();
  const marks = h('div', { class: 'waterfall-marks', 'aria-hidden': 'true' });
  const stripBox = h('div', { class: 'step-strip', role: 'region', tabindex: '0', 'aria-label': 'Steps of the selected request' });
  const band = h('section', { class: 'waterfall', id: 'waterfall', 'aria-label': 'Waterfall', hidden: true },
    h('p', { class: 'waterfall-scale', id: 'waterfall-scale' },
      `One time axis, linear in ms; idle over ${CUT_OVER_MS / 1000} s is cut (hatched). `,
      `Step strip: each step at least ${STEP_MIN_PX} px wide, spare width by duration; labels are measured durations.`),
    h('div', { class: 'timeline-head waterfall-ruler' }, h('span'), h('span'), h('span'), h('span'), marks),
    stripBox);
  panel.querySelector('.timeline-head').after(band);
  let shownKey = null;

  return {
    show(on) {
      band.hidden = !on;
      panel.classList.toggle('waterfall-on', on);
      const label = panel.querySelector('.axis-label');
      if (label) label.textContent = on ? 'One shared time axis' : 'Steps over time';
      timeline.setAxis(on ? axis : null);
      shownKey = null;
    },
    /** Redraw the ruler (when the axis moved) and the strip of `trace`, the selected request. */
    draw(trace) {
      if (band.hidden) return;
      const rulerKey = `${axis.scale.key}:${marks.clientWidth}`; // labels placed by width too
      if (rulerKey !== shownKey) {
        shownKey = rulerKey;
        fill(marks, ruler(axis.scale, marks.clientWidth));
      }
      const label = trace ? `Steps of ${trace.request?.method ?? ''} ${requestLine(trace.request)}, each at least ${STEP_MIN_PX} px wide` : 'Steps of the selected request';
      stripBox.setAttribute('aria-label', label);
      const version = trace ? `${trace.id}:${trace.version}` : 'none';
      if (stripBox.dataset.version === version) return;
      stripBox.dataset.version = version;
      fill(stripBox, strip(trace));
    },
  };
}
