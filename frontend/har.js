// The lab's log as HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the file
// DevTools and HAR viewers open; each entry keeps Flask's steps in a custom `_steps`
// field (HAR allows fields that start with "_"). Pure.

import { parseCookies, parseSetCookie } from './cookies.js';
import { statusText } from './format.js';
import { shareable } from './shareable.js';

const pairs = (list) => (list ?? []).filter(([name]) => name !== '…').map(([name, value]) => ({ name, value: String(value) }));

function requestHeaders(r) {
  const headers = pairs(r.headers);
  // Servers before the DevTools fields sent only the Cookie header.
  if (!headers.length && r.cookie_header) headers.push({ name: 'Cookie', value: r.cookie_header });
  return headers;
}

function setCookies(lines) {
  return (lines ?? []).map((line) => {
    const c = parseSetCookie(line);
    const a = c.attributes;
    return {
      name: c.name, value: c.value,
      ...(a.path ? { path: a.path } : {}), ...(a.domain ? { domain: a.domain } : {}),
      ...(c.expires !== null ? { expires: new Date(c.expires).toISOString() } : {}),
      httpOnly: Boolean(a.httponly), secure: Boolean(a.secure), ...(a.samesite ? { sameSite: a.samesite } : {}),
    };
  });
}

function entry(trace, origin) {
  const r = trace.request ?? {};
  const end = trace.end;
  const query = r.query ? `?${r.query}` : '';
  const duration = end?.duration_ms ?? 0;
  return {
    startedDateTime: new Date((trace.time ?? 0) * 1000).toISOString(),
    time: duration,
    request: {
      method: r.method ?? 'GET', url: `${origin}${r.path ?? '/'}${query}`, httpVersion: 'HTTP/1.1',
      cookies: parseCookies(r.cookie_header ?? '').map(({ name, value }) => ({ name, value })),
      headers: requestHeaders(r),
      queryString: [...new URLSearchParams(r.query ?? '')].map(([name, value]) => ({ name, value })),
      ...(r.body ? { postData: { mimeType: r.body.type ?? '', text: r.body.text ?? '' } } : {}),
      headersSize: -1, bodySize: r.body?.size ?? 0,
    },
    response: {
      status: end?.status ?? 0, statusText: end ? statusText(end.status) : 'pending', httpVersion: 'HTTP/1.1',
      cookies: setCookies(end?.set_cookie), headers: pairs(end?.headers),
      content: { size: end?.body?.size ?? 0, mimeType: end?.body?.type ?? '', ...(end?.body?.text ? { text: end.body.text } : {}) },
      redirectURL: '', headersSize: -1, bodySize: end?.body?.size ?? -1,
    },
    cache: {},
    timings: { send: 0, wait: duration, receive: 0 },
    _trace: trace.id,
    _client: trace.person ?? null, // the public id, never the raw client id (shareable.js)
    _steps: trace.steps.map((s) => ({
      index: s.index, name: s.name, kind: s.kind, function: s.function, offset_ms: s.offset_ms,
      duration_ms: s.duration_ms, error: s.error ?? null, output: s.output ?? [],
    })),
    ...(end?.traceback ? { _traceback: end.traceback } : {}),
  };
}

/** {log: {...}} for the traces, oldest first; `origin` as "http://127.0.0.1:5000". */
export function buildHar(traces, { origin, version = '' }) {
  return {
    log: {
      version: '1.2',
      creator: { name: 'Flask State Lab', version },
      pages: [],
      entries: traces.filter((t) => t.request).map((t) => entry(shareable(t), origin)),
    },
  };
}
