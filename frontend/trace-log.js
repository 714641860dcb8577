// The timeline's model: stream events grouped into traces (one per request). Pure.

import { PAGE_READS } from './api.js';
import { matchesPerson } from './people.js';

/** The one rule for "this step failed": it raised (its `error`), or it is Flask's
 * got_request_exception signal. Every view that marks a failed step asks this. */
export function stepFailed(step) {
  return Boolean(step.error) || step.name === 'got_request_exception';
}

/** Compare two event ids: both buses number a lab's events ("42"; tests/test_events.py). */
export function compareIds(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return Math.sign(Number(a) - Number(b));
}

export function isPageRead(trace) {
  return Boolean(trace.request?.page_read) || (trace.request?.method === 'GET' && PAGE_READS.has(trace.request.path));
}

function newTrace(id, event) {
  return {
    id, lab: event.lab, time: event.time, request: null, steps: [], end: null,
    client: null, person: null, version: 0, receivedAt: null,
  };
}

export class TraceLog {
  constructor({ limit = 4000 } = {}) {
    this.limit = limit;
    this.clear();
  }

  clear() {
    this.byId = new Map();
    this.order = [];
    this.lastId = this.lastId ?? null;
    this.version = (this.version ?? 0) + 1;
  }

  get size() {
    return this.order.length;
  }

  get(id) {
    return this.byId.get(id);
  }

  /**
   * Apply one event; events at or before the last applied id are ignored, so a replay
   * after a reconnect never duplicates a step. Returns the trace touched, "clear", or null.
   */
  apply(event, receivedAt = null) {
    if (event.id !== undefined && event.id !== null) {
      if (this.lastId !== null && compareIds(event.id, this.lastId) <= 0) return null;
      this.lastId = event.id;
    }
    if (event.type === 'clear') {
      this.clear();
      return 'clear';
    }
    if (!event.trace) return null;
    let trace = this.byId.get(event.trace);
    if (!trace) {
      trace = newTrace(event.trace, event);
      this.byId.set(trace.id, trace);
      this.order.push(trace);
      this.trim();
    }
    if (event.type === 'request') {
      trace.request = event;
      trace.client = event.client ?? null;
      trace.person = event.person ?? null; // public id (identity.py): who, to every page
      trace.time = event.time;
      trace.receivedAt = receivedAt;
    } else if (event.type === 'step') {
      insertStep(trace.steps, event);
    } else if (event.type === 'end') {
      trace.end = event;
    } else {
      return null;
    }
    trace.version += 1;
    this.version += 1;
    return trace;
  }

  trim() {
    const excess = this.order.length - this.limit;
    if (excess <= 0) return;
    for (const old of this.order.splice(0, excess)) this.byId.delete(old.id);
  }
}

function insertStep(steps, step) {
  let i = steps.length;
  while (i > 0 && steps[i - 1].index > step.index) i -= 1;
  if (i > 0 && steps[i - 1].index === step.index) return;
  steps.splice(i, 0, step);
}

/** The form's filters; `hidden`: traces this page's own Clear hid (a private clear); `matches` is the text query (filter.js, loaded once text is typed). */
/** The lab's first request: the emulated before_first_request ran on it (never hidden as a page read). */
export function isFirstRequest(trace) {
  return trace.steps?.some((s) => s.name === 'before_first_request') ?? false;
}

/** Why Flask refused the signed session cookie this request carried (bad_signature, expired…), or null. */
export function cookieRejected(trace) {
  return trace.steps?.find((s) => s.name === 'open_session')?.detail?.signed_cookie_rejected ?? null;
}

export function matchesFilter(trace, { status = 'all', client = 'all', me = null, hideReads = false, matches = null, hidden = null } = {}) {
  if (hidden?.has(trace.id)) return false;
  if (hideReads && isPageRead(trace) && !isFirstRequest(trace) && !cookieRejected(trace)) return false;
  if (!matchesPerson(trace, client, me)) return false;
  if (!matchesStatus(trace, status)) return false;
  return !matches || matches(trace);
}

/**
 * Why no row is shown: {kind: 'nothing'} (no request yet), 'cleared' (this page's Clear
 * hid them all) or 'filtered' (the filters hide `count`); null when a row is shown.
 */
export function emptyReason(traces, filter = {}) {
  if (!traces.length) return { kind: 'nothing', count: 0 };
  if (traces.some((t) => matchesFilter(t, filter))) return null;
  const notCleared = traces.filter((t) => !filter.hidden?.has(t.id)).length;
  return notCleared ? { kind: 'filtered', count: notCleared } : { kind: 'cleared', count: traces.length };
}

function matchesStatus(trace, status) {
  const code = trace.end?.status;
  switch (status) {
    case 'all': return true;
    case 'pending': return !trace.end;
    case '2xx': return code >= 200 && code < 300;
    case '3xx': return code >= 300 && code < 400;
    case '4xx': return code >= 400 && code < 500;
    case '5xx': return code >= 500;
    case 'errors': return traceHasError(trace);
    default: return true;
  }
}

/**
 * How a 5xx came about, told apart on the row: 'raised' when the view raised (Flask sent
 * got_request_exception, teardown got the exception), 'abort' when it answered an
 * HTTPException such as abort(500) (no signal, teardown got None); else null.
 */
export function errorKind(trace) {
  if (trace.end?.error || trace.steps.some(stepFailed)) return 'raised';
  return trace.end?.status >= 500 ? 'abort' : null;
}

export function traceHasError(trace) {
  if (trace.end && (trace.end.status >= 400 || trace.end.error)) return true;
  return trace.steps.some(stepFailed);
}
