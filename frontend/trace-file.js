// The lab's log as a JSON file and back: a teacher prepares a lab, a learner attaches a
// trace to a question. An imported file is read into its own TraceLog, shown read-only.
// Pure.

import { TraceLog } from './trace-log.js';
import { shareable } from './shareable.js';

export const FORMAT = 'statelab-trace';
const MAX_TRACES = 4000; // the live log's own bound

/** The file's text; each trace by its public id, never the raw client id (shareable.js). */
export function exportTraces(log, lab) {
  return JSON.stringify({ format: FORMAT, version: 1, lab, traces: log.order.map(shareable) }, null, 1);
}

const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);

/** A TraceLog of the file's traces, or {error} saying why the file is refused. */
export function importTraces(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { error: `Not JSON: ${err.message}` };
  }
  if (!isObject(data) || data.format !== FORMAT || !Array.isArray(data.traces)) {
    return { error: `Not a State Lab trace file (expected {"format": "${FORMAT}", "traces": [...]}).` };
  }
  const log = new TraceLog({ limit: MAX_TRACES });
  for (const t of data.traces.slice(-MAX_TRACES)) {
    if (!isObject(t) || typeof t.id !== 'string' || !isObject(t.request)) continue;
    // Replayed as events without ids: the file's order is kept, nothing is skipped as seen.
    const as = (type, event) => ({ ...event, id: undefined, type, trace: t.id });
    log.apply(as('request', t.request));
    for (const step of Array.isArray(t.steps) ? t.steps : []) if (isObject(step)) log.apply(as('step', step));
    if (isObject(t.end)) log.apply(as('end', t.end));
  }
  return { log, lab: typeof data.lab === 'string' ? data.lab : null };
}
