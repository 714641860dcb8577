// What a batch of stream events means for the page: which traces ended, whether the log
// was cleared, which of this page's requests started, which lab events (settings,
// clear, people, lab) to show, and whether state needs re-reading.
// Pure: it applies the events to the TraceLog and returns a summary for the wiring.

import { compareIds, isPageRead } from './trace-log.js';
import { SETTINGS_PATH } from './api.js';

/** Lab events shown with who did them (workshop.js words them). */
export const LAB_EVENTS = new Set(['settings', 'clear', 'people', 'lab']);

export function routeEvents(log, events, { client, live, now = null }) {
  const out = { cleared: false, started: [], ended: [], mineWithCookies: [], refresh: null, labEvents: [] };
  const reread = (comments, mine) => {
    out.refresh = { comments: comments || Boolean(out.refresh?.comments), mine: mine && (out.refresh?.mine ?? true) };
  };
  for (const event of events) {
    const fresh = log.lastId === null || event.id === undefined || event.id === null
      || compareIds(event.id, log.lastId) > 0;
    const trace = log.apply(event, now);
    if (fresh && !event.trace && LAB_EVENTS.has(event.type)) {
      out.labEvents.push(event);
      // Another page changed the lab: its switches are re-read (the event says who).
      if (live && event.type === 'settings') reread(false, false);
    }
    if (trace === 'clear') {
      out.cleared = true;
      continue;
    }
    if (!trace) continue;
    const mine = trace.client === client;
    if (event.type === 'request' && mine && live) out.started.push(trace);
    if (event.type !== 'end') continue;
    out.ended.push(trace);
    if (mine && trace.end.set_cookie?.length) out.mineWithCookies.push(trace);
    if (!live || isPageRead(trace)) continue;
    const path = trace.request?.path ?? '';
    const comments = path.endsWith('/comment');
    if (comments || mine || path === SETTINGS_PATH) reread(comments, mine);
  }
  return out;
}
