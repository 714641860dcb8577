// What a batch of stream events means for the page: which traces ended, whether the log
// was cleared, which of this page's requests started, and whether state needs re-reading.
// Pure: it applies the events to the TraceLog and returns a summary for the wiring.

import { isPageRead } from './trace-log.js';
import { SETTINGS_PATH } from './api.js';

export function routeEvents(log, events, { client, live, now = null }) {
  const out = { cleared: false, started: [], ended: [], mineWithCookies: [], refresh: null };
  for (const event of events) {
    const trace = log.apply(event, now);
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
    if (comments || mine || path === SETTINGS_PATH) {
      out.refresh = { comments: comments || Boolean(out.refresh?.comments), mine: mine && (out.refresh?.mine ?? true) };
    }
  }
  return out;
}
