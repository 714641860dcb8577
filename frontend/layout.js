// Geometry for the timeline waterfall and its virtual list. Pure.

/** How long a trace has lasted so far, in ms (a running request grows with `now`). */
export function traceTotal(trace, now = null) {
  if (trace.end) return Math.max(trace.end.duration_ms, lastStepEnd(trace.steps));
  const elapsed = trace.receivedAt !== null && now !== null ? now - trace.receivedAt : 0;
  return Math.max(elapsed, lastStepEnd(trace.steps));
}

export function lastStepEnd(steps) {
  let end = 0;
  for (const s of steps) end = Math.max(end, s.offset_ms + s.duration_ms);
  return end;
}

/**
 * Bars for steps on a 0..total axis, as percentages of the width:
 * [{left, width}], each at least `minWidth` percent wide and never past 100.
 */
export function waterfall(steps, total, minWidth = 0.6) {
  const span = total > 0 ? total : 1;
  return steps.map((s) => {
    let left = (s.offset_ms / span) * 100;
    let width = Math.max((s.duration_ms / span) * 100, minWidth);
    left = Math.min(Math.max(left, 0), 100 - minWidth);
    width = Math.min(width, 100 - left);
    return { left, width };
  });
}

/** Rows [start, end) of a virtual list to render for a scroll position. */
export function visibleRange(scrollTop, viewportHeight, rowHeight, count, overscan = 6) {
  if (count === 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(viewportHeight / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end: Math.max(start, end) };
}

/** The scrollTop that brings row `index` into view, or null if it already is. */
export function scrollToRow(index, scrollTop, viewportHeight, rowHeight) {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return null;
}

/** Whether a scroll container is (nearly) at its bottom, so new rows should follow. */
export function atBottom(scrollTop, viewportHeight, contentHeight, slack = 8) {
  return scrollTop + viewportHeight >= contentHeight - slack;
}
