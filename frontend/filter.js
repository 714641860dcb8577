// The timeline's filter syntax, as DevTools' Network panel writes it:
//   status:500  status:4xx  method:POST  hook:teardown_request  path:/api/error
//   client:<id>  endpoint:api.errors.trigger  -path:/api/state (a leading "-" negates)
//   free text (matched in the path, steps, every header, the cookies and the bodies)
//   /regex/i (matched against the same text).
// Pure: parseFilter(text) once per change, then matchesQuery(trace, query) per row.

const KEYS = new Set(['status', 'method', 'hook', 'path', 'client', 'endpoint']);
// A regex may hold spaces; it ends at a "/" (and flags) followed by a space or the end.
const TOKEN = /(-?)(?:([a-z]+):)?("([^"]*)"|\/((?:[^/\\]|\\.)+?)\/([imsu]*)(?=\s|$)|(\S+))/y;

/** {terms: [{key, value, negate, regex}], errors: [text]}; key null for free text. */
export function parseFilter(text) {
  const terms = [];
  const errors = [];
  const source = String(text ?? '').trim();
  for (let at = 0; at < source.length;) {
    while (source[at] === ' ') at += 1;
    if (at >= source.length) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(source);
    at = TOKEN.lastIndex;
    const [, minus, rawKey, whole, quoted, pattern, flags, bare] = m;
    const key = rawKey && KEYS.has(rawKey) ? rawKey : null;
    const value = key || !rawKey ? (quoted ?? bare ?? whole) : `${rawKey}:${quoted ?? bare ?? whole}`;
    let regex = null;
    if (pattern !== undefined) {
      try {
        regex = new RegExp(pattern, flags);
      } catch (err) {
        errors.push(`${whole}: ${err.message}`);
        continue;
      }
    }
    terms.push({ key, value: regex ? whole : value, negate: minus === '-', regex });
  }
  return { terms, errors };
}

/** Every word a free-text term can match: request line, steps, headers both ways, cookies, bodies. */
export function haystack(trace) {
  const r = trace.request ?? {};
  const e = trace.end ?? {};
  const headers = (list) => (list ?? []).map(([name, value]) => `${name}: ${value}`);
  return [
    `${r.method} ${r.path}`, r.query, trace.client, trace.person, e.status, e.endpoint, r.cookie_header,
    ...headers(r.headers), ...headers(e.headers), ...(e.set_cookie ?? []),
    r.body?.text, e.body?.text, e.error?.type, e.error?.message,
    ...trace.steps.map((s) => `${s.name} ${s.function}`),
  ].filter((x) => x !== null && x !== undefined && x !== '').join('\n');
}

function statusMatches(status, value) {
  if (status === undefined) return value === 'pending';
  if (/^[1-5]xx$/i.test(value)) return Math.floor(status / 100) === Number(value[0]);
  return String(status) === value;
}

function termMatches(trace, term, text) {
  const want = term.value.toLowerCase();
  const like = (s) => (term.regex ? term.regex.test(s ?? '') : String(s ?? '').toLowerCase().includes(want));
  switch (term.key) {
    case 'status': return statusMatches(trace.end?.status, want);
    case 'method': return (trace.request?.method ?? '').toLowerCase() === want;
    case 'hook': return trace.steps.some((s) => s.name.toLowerCase() === want || (term.regex && term.regex.test(s.name)));
    case 'path': return like(trace.request?.path);
    case 'client': return like(trace.person) || like(trace.client); // the public id shown, or this page's own id
    case 'endpoint': return like(trace.end?.endpoint);
    default: return term.regex ? term.regex.test(text()) : text().toLowerCase().includes(want);
  }
}

/** True when the trace matches every term (a negated term must not match). */
export function matchesQuery(trace, query) {
  let cached = null;
  const text = () => (cached ??= haystack(trace));
  return query.terms.every((term) => termMatches(trace, term, text) !== term.negate);
}

const SORT_VALUE = {
  client: (t) => t.person ?? '', // the public id: the same order on every page
  request: (t) => `${t.request?.path ?? ''} ${t.request?.method ?? ''}`,
  status: (t) => t.end?.status ?? Infinity, // pending ones last, ascending
  time: (t) => t.end?.duration_ms ?? Infinity,
};

/** Sorted by a column, ties kept in arrival order; `key` null keeps arrival order. */
export function sortTraces(traces, { key = null, dir = 'asc' } = {}) {
  const value = SORT_VALUE[key];
  if (!value) return traces;
  const sign = dir === 'desc' ? -1 : 1;
  return traces.map((t, i) => [t, value(t), i]).sort(([, a, i], [, b, j]) => {
    if (a < b) return -sign;
    if (a > b) return sign;
    return i - j;
  }).map(([t]) => t);
}
