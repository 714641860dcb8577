// What a batch of stream events means for the page: which traces ended, whether the log
// was cleared, which of this page's requests started, who is in the lab, which lab
// events (settings, clear, people, lab) to show, the comments and settings the stream
// carried, and whether this page's own state needs re-reading.
// Pure: it applies the events to the TraceLog and People and returns a summary.

import { compareIds, isPageRead } from './trace-log.js';

/** Lab events shown with who did them (workshop.js words them). */
export const LAB_EVENTS = new Set(['settings', 'clear', 'people', 'lab']);

export function routeEvents(log, events, { client, live, now = null, people = null }) {
  const out = {
    cleared: false, started: [], ended: [], mineWithCookies: [], refresh: null, labEvents: [],
    comments: [], settings: null,
  };
  for (const event of events) {
    const fresh = log.lastId === null || event.id === undefined || event.id === null
      || compareIds(event.id, log.lastId) > 0;
    const trace = log.apply(event, now);
    if (fresh && !event.trace) noteLabEvent(out, event, people, live);
    if (trace === 'clear') {
      out.cleared = true;
      continue;
    }
    if (!trace) continue;
    // By public id: the page's own requests too (their client is its own id, whole).
    if (event.type === 'request') people?.note(event.person, event.client_name, event.user_agent);
    const mine = trace.client === client;
    if (event.type === 'request' && mine && live) out.started.push(trace);
    if (event.type !== 'end') continue;
    out.ended.push(trace);
    if (mine && trace.end.set_cookie?.length) out.mineWithCookies.push(trace);
    // This client's cookies changed (in another tab too): the inspector re-reads them.
    // Comments and settings come as events of their own: nobody re-reads those.
    if (live && mine && !isPageRead(trace)) out.refresh = { comments: false, mine: true };
  }
  return out;
}

function noteLabEvent(out, event, people, live) {
  if (event.type === 'comments' && event.comment) out.comments.push(event.comment);
  if (event.type === 'settings' && event.settings) out.settings = event.settings;
  // A new signing key has no body to apply: the inspector's decoding is read again.
  if (event.type === 'settings' && !event.settings && live) out.refresh ??= { comments: false, mine: false };
  if (event.type === 'people') people?.note(event.by?.client, event.name);
  if (LAB_EVENTS.has(event.type)) out.labEvents.push(event);
}

/** The comments list with new ones added once each (by id), the newest `max` kept. */
export function mergeComments(list, incoming, max = 200) {
  if (!incoming.length) return list;
  const seen = new Set((list ?? []).map((c) => c.id));
  const merged = [...(list ?? []), ...incoming.filter((c) => !seen.has(c.id) && seen.add(c.id))];
  return merged.slice(-max);
}
