// The waterfall's two scales. Pure.
//
// The shared axis: every request at its measured start (the request event's `time`, the
// server's clock) and for its measured length, linear in ms, so requests compare and
// overlaps show. Stretches where no request ran for longer than `cutOver` are cut to a
// fixed width and marked with their length: a lab used for ten minutes still draws its
// requests wide enough to see. A request never spans a cut, so its bar is linear.
//
// (The step strip's scale is CSS: waterfall.css gives each step a minimum width and
// shares what is left by `flex-grow`, its measured duration; waterfall.js says so.)

import { traceTotal } from './layout.js';

export const CUT_OVER_MS = 1000;
const CUT_SHARE = 0.04; // of the axis, per cut
const MAX_CUTS_SHARE = 0.3; // all cuts together, at most

/** A trace's measured extent on the server's clock, in ms since the epoch; null without a start. */
export function traceSpan(trace, now = null) {
  const time = trace.request?.time;
  if (typeof time !== 'number') return null;
  const start = time * 1000;
  return { start, end: start + traceTotal(trace, now) };
}

/** Busy stretches: spans merged where the idle time between them is at most `cutOver`. */
export function busyStretches(spans, cutOver = CUT_OVER_MS) {
  const sorted = spans.filter(Boolean).slice().sort((a, b) => a.start - b.start);
  const out = [];
  for (const { start, end } of sorted) {
    const last = out[out.length - 1];
    if (last && start - last.end <= cutOver) last.end = Math.max(last.end, end);
    else out.push({ start, end: Math.max(start, end) });
  }
  return out;
}

/**
 * The shared axis over `spans`: `x(t)` gives a fraction 0..1 of the width; `cuts` the
 * idle stretches left out ({at, ms}); `stretches` each drawn stretch ({start, end,
 * from, to}: its times and fractions); `key` changes whenever any position does.
 */
export function sharedScale(spans, cutOver = CUT_OVER_MS) {
  const busy = busyStretches(spans, cutOver);
  if (!busy.length) return { x: () => 0, cuts: [], stretches: [], start: 0, end: 0, key: 'empty' };
  const linear = Math.max(busy.reduce((sum, s) => sum + (s.end - s.start), 0), 1e-6);
  const cutCount = busy.length - 1;
  const cutsShare = Math.min(CUT_SHARE * cutCount, MAX_CUTS_SHARE);
  const cutWidth = cutCount ? cutsShare / cutCount : 0;
  const perMs = (1 - cutsShare) / linear;
  let from = 0;
  const stretches = busy.map((s, i) => {
    const to = from + (s.end - s.start) * perMs;
    const placed = { start: s.start, end: s.end, from, to };
    from = to + (i < cutCount ? cutWidth : 0);
    return placed;
  });
  const cuts = stretches.slice(0, -1).map((s, i) => ({ at: s.to, width: cutWidth, ms: stretches[i + 1].start - s.end }));
  function x(t) {
    let lo = 0;
    let hi = stretches.length - 1;
    while (lo < hi) { // the last stretch starting at or before t
      const mid = (lo + hi + 1) >> 1;
      if (stretches[mid].start <= t) lo = mid;
      else hi = mid - 1;
    }
    const s = stretches[lo];
    return Math.min(1, Math.max(0, s.from + (Math.min(Math.max(t, s.start), s.end) - s.start) * perMs));
  }
  const start = busy[0].start;
  const end = busy[busy.length - 1].end;
  return { x, cuts, stretches, start, end, key: `${start}:${end}:${linear}:${busy.length}` };
}
