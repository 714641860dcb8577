// What the trace page adds to a request's details, worked out from its trace. Pure.
// - notRun: the hooks the app and its blueprints registered (the page's
//   GET api/registered) that Flask did not call for this request, and why;
// - tracebackHeadline: the exception, the app's own frames first, the libraries'
//   frames folded, the tracer's own frames never.

const same = (step, hook) => step.name === hook.name && step.function === hook.function && (step.blueprint ?? null) === (hook.blueprint ?? null);

/** The blueprints whose hooks Flask runs for `endpoint`, innermost first, as request.blueprints names them ("a.b.view": a.b, a). */
function blueprintsOf(endpoint) {
  const parts = (endpoint ?? '').split('.').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
}

function routingError(trace) {
  const started = trace.steps.find((s) => s.name === 'request_started');
  return started?.detail?.routing_exception ?? (!trace.end.endpoint && trace.end.status >= 400 ? {} : null);
}

/** The registered hooks Flask did not call for `trace`, each with the reason; [] until the request ends. */
export function notRun(trace, registered) {
  if (!trace?.end || !registered?.hooks) return [];
  const endpoint = trace.end.endpoint ?? trace.steps.find((s) => s.name === 'request_started')?.detail?.endpoint ?? null;
  const context = {
    chain: blueprintsOf(endpoint),
    routing: routingError(trace),
    status: trace.end.status,
    answered: trace.steps.find((s) => s.name === 'before_request' && s.detail?.returned_response),
    raised: trace.steps.find((s) => s.error),
    propagated: trace.end.error,
  };
  return registered.hooks
    .filter((hook) => !trace.steps.some((s) => same(s, hook)))
    .map((hook) => ({ ...hook, reason: reasonFor(hook, context) }));
}

function reasonFor(hook, { chain, routing, status, answered, raised, propagated }) {
  const scope = hook.blueprint ?? null;
  if (scope !== null && !chain.includes(scope)) {
    if (routing) return `routing failed (${status}): no view matched, so Flask ran only the app's own hooks, none of blueprint ${scope}'s`;
    return chain.length
      ? `another blueprint's hook (${scope}): this request's view is in ${chain[0]}`
      : `another blueprint's hook (${scope}): this request's view is the app's own`;
  }
  switch (hook.name) {
    case 'url_defaults':
      return 'runs only when url_for builds a URL, and this request built none for it';
    case 'errorhandler':
      return `handles ${hook.code ?? hook.exception}${hook.code && hook.exception ? ` (${hook.exception})` : ''}, which this request did not raise`;
    case 'url_value_preprocessor':
    case 'before_request':
      if (answered) return `a before_request function (${answered.function}) answered the request: Flask skipped the rest of them and the view`;
      if (raised) return `an earlier step (${raised.name} ${raised.function}) raised: Flask went to the error handling`;
      break;
    case 'after_request':
      if (propagated) return 'the exception propagated (PROPAGATE_EXCEPTIONS): no response was made for it to process';
      if (raised) return `an earlier step (${raised.name} ${raised.function}) raised first`;
      break;
    default:
      break;
  }
  return 'Flask did not call it for this request';
}

const FRAME = /^ {2}File "(.+)", line (\d+), in (.+)$/;
const isTracer = (file) => /[/\\]statelab_trace[/\\]/.test(file);
const isLibrary = (file) => /[/\\](site-packages|dist-packages)[/\\]|[/\\]lib[/\\]python\d[\d.]*[/\\]/.test(file);

/** The traceback's lines, without the tracer's own frames (each frame: its File line and the indented lines under it). */
export function withoutTracerFrames(text) {
  const out = [];
  let skipping = false;
  for (const line of String(text ?? '').split('\n')) {
    const frame = FRAME.exec(line);
    if (frame) skipping = isTracer(frame[1]);
    else if (!line.startsWith('    ')) skipping = false;
    if (!skipping) out.push(line);
  }
  return out.join('\n');
}

/** {exception, app, library}: the last exception of a (chained) traceback, the app's frames and the libraries' frames, innermost first; null without a traceback. */
export function tracebackHeadline(text) {
  if (!text) return null;
  const lines = String(text).split('\n');
  const start = lines.map((l) => l.startsWith('Traceback (most recent call last):')).lastIndexOf(true);
  const frames = [];
  let exception = '';
  for (const line of lines.slice(Math.max(0, start))) {
    const frame = FRAME.exec(line);
    if (frame) frames.push({ file: frame[1], line: Number(frame[2]), func: frame[3], code: '' });
    else if (line.startsWith('    ') && frames.length && !frames.at(-1).code) frames.at(-1).code = line.trim();
    else if (line.trim() && !line.startsWith(' ') && !line.startsWith('Traceback')) exception = line;
  }
  const shown = frames.filter((f) => !isTracer(f.file)).reverse();
  return {
    exception,
    app: shown.filter((f) => !isLibrary(f.file)),
    library: shown.filter((f) => isLibrary(f.file)),
  };
}
