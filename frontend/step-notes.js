// What a step tells the learner, in words, from the step's own fields. Pure: no DOM.

const TEARDOWNS = new Set(['teardown_request', 'teardown_appcontext', 'request_tearing_down', 'appcontext_tearing_down']);

// Captured output is bounded by the server too; the page shows at most this much.
export const OUTPUT_LINES = 20;
export const OUTPUT_LINE_CHARS = 300;

export function errorText(error) {
  return error ? `${error.type}: ${error.message}` : 'None';
}


// An exception comes as {type, message}; anything else as JSON.
function returnedText(value) {
  return value?.type && 'message' in value ? errorText(value) : JSON.stringify(value);
}

/** A one-line note on what a step tells the learner, from its own detail. */
export function stepNote(step) {
  const d = step.detail ?? {};
  const notes = [];
  if (TEARDOWNS.has(step.name)) notes.push(`received ${errorText(step.error)}`);
  else if (step.error) notes.push(errorText(step.error));
  if (step.kind === 'after_this_request') notes.push('a callback the view registered with after_this_request: runs before every after_request');
  if (step.name === 'errorhandler') {
    if (d.code) notes.push(`handler for ${d.code}`);
    if (d.exception) notes.push(`got ${errorText(d.exception)}`);
    if (d.original_exception) notes.push(`original_exception ${errorText(d.original_exception)}`);
  }
  if (d.returned_response) notes.push('returned a response: the view is skipped');
  if (d.raised) notes.push(`raised ${errorText(d.raised)}`);
  if (d.routing_exception) notes.push(`routing error stored: ${errorText(d.routing_exception)}`);
  if (d.emulated) notes.push(d.note ?? 'emulated');
  if (d.saw_after_this_request) notes.push('saw the header the after_this_request callback set: the callback ran first');
  if (d.teardown_pass) notes.push(`teardown pass ${d.teardown_pass}: ${d.chunks_produced} chunk${d.chunks_produced === 1 ? '' : 's'} of the body produced by then`);
  if ('returned' in d) notes.push(`returned ${returnedText(d.returned)}: Flask ignores what a teardown function returns`);
  if (d.signed_cookie_rejected) notes.push(`session cookie refused: ${d.signed_cookie_rejected} (Flask's signing serializer)`);
  if (step.name === 'view' && d.endpoint) notes.push(`endpoint ${d.endpoint}`);
  return notes.join('; ');
}

/** Output lines cut to what the page shows: {lines, hidden} (hidden = lines left out). */
export function boundOutput(lines) {
  if (!Array.isArray(lines)) return { lines: [], hidden: 0 };
  const shown = lines.slice(0, OUTPUT_LINES).map((line) => {
    const text = String(line);
    return text.length > OUTPUT_LINE_CHARS ? `${text.slice(0, OUTPUT_LINE_CHARS)}…` : text;
  });
  return { lines: shown, hidden: Math.max(0, lines.length - OUTPUT_LINES) };
}
