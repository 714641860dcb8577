// The JSON API (docs/API.md), every request naming its lab and this client.

export const SETTINGS_PATH = '/api/lab/settings';
/** The page's own reads after each action: shown, but can be hidden by the filter. */
export const PAGE_READS = new Set(['/', '/api/state', '/api/comments', '/api/labs/current', '/api/me', SETTINGS_PATH]);

function headersFor({ lab, client, owner }) {
  const headers = { Accept: 'application/json' };
  if (lab) headers['X-Lab-Id'] = lab;
  if (client) headers['X-Client-Id'] = client;
  // The lab's owner token (POST /api/labs): the server lets only its holder change the
  // lab for everyone (settings, signing key, clearing the log).
  if (owner) headers['X-Lab-Owner'] = owner;
  return headers;
}

async function send(method, path, { lab, client, owner, body, form, raw, omit = false } = {}) {
  const headers = headersFor({ lab, client, owner });
  // omit: the browser neither sends nor stores cookies (the stateless lesson).
  const init = { method, headers, credentials: omit ? 'omit' : 'same-origin', cache: 'no-store' };
  if (form !== undefined) {
    // A form post, as the tutorial's HTML form would send it.
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    init.body = new URLSearchParams(form).toString();
  } else if (raw) {
    // A recorded body, sent again as it was (replay).
    headers['Content-Type'] = raw.type;
    init.body = raw.text;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const type = res.headers.get('Content-Type') ?? '';
  const text = res.status === 204 ? '' : await res.text();
  let data = null;
  if (type.includes('json') && text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  return { method, path, status: res.status, ok: res.ok, type, text, data, headers: res.headers };
}

/**
 * One API call, described before it is sent: `method` and `path` (as the trace records
 * it: no query, percent-decoded) let the caller match the request's trace; `send()`
 * sends it. This module is the only one that knows methods and paths.
 */
function call(method, url, options) {
  const path = decodeURIComponent(url.split('?')[0]);
  return { method, path, url, send: () => send(method, url, options) };
}

/** A new lab; with `client`, the answer says this client's public id in it (`person`). */
export async function createLab(client = null) {
  const res = await call('POST', '/api/labs', { client }).send();
  if (!res.ok || !res.data?.id) throw new Error(`Could not create a lab (HTTP ${res.status})`);
  return res.data;
}

export function createApi({ lab, client, owner = null }) {
  const request = (method, url, body) => call(method, url, { lab, client, owner, body });
  const q = encodeURIComponent;
  return {
    currentLab: () => request('GET', '/api/labs/current'),
    // samesite: '' = the server's default, 'omit' = no attribute; secure sent only when asked.
    login: (mechanism, { username, password, maxAge, samesite = '', secure = false }) =>
      request('POST', `/api/${mechanism}/login`, {
        username, password, max_age: maxAge ?? null,
        ...(samesite ? { samesite: samesite === 'omit' ? '' : samesite } : {}),
        ...(secure ? { secure } : {}),
      }),
    logout: (mechanism) => request('POST', `/api/${mechanism}/logout`),
    comment: (mechanism, text) => request('POST', `/api/${mechanism}/comment`, { text }),
    comments: () => request('GET', '/api/comments'),
    state: () => request('GET', '/api/state'),
    putSettings: (settings) => request('PUT', SETTINGS_PATH, settings),
    clearCookies: (names) => request('POST', '/api/cookies/clear', names ? { names } : undefined),
    putCookie: (name, value) => request('PUT', `/api/cookies/${q(name)}`, { value }),
    error: (kind, body) => (body
      ? request('POST', `/api/error/${q(kind)}`, body)
      : request('GET', `/api/error/${q(kind)}`)),
    slow: (ms) => request('GET', `/api/slow?ms=${q(ms)}`),
    hooks: (after, limit = 5000) => {
      const params = new URLSearchParams({ limit: String(limit) });
      if (after) params.set('after', after);
      return request('GET', `/api/hooks?${params}`);
    },
    clearHooks: () => request('DELETE', '/api/hooks'),
    resetLab: () => request('POST', '/api/lab/reset'),
    putMe: (name) => request('PUT', '/api/me', { name }),
    // The tutorial's literal routes (form bodies, HTML answers): the page's buttons name them.
    tutorial: (method, path, form, { omit = false } = {}) => call(method, path, { lab, client, owner, form, omit }),
    demo: (word, route, query = '') => request('GET', `/demo/${q(word)}/${route}${query}`),
    secret: () => request('GET', '/api/lab/secret'),
    useKey: (key) => request('PUT', '/api/lab/secret', { key }),
    rotateKey: (keepFallback) => request('POST', '/api/lab/secret/rotate', { keep_fallback: keepFallback }),
    crack: () => request('POST', '/api/lab/secret/crack', {}),
    forge: (key, username) => request('POST', '/api/lab/secret/forge', { key, username, set: true }),
    fillSession: (bytes) => request('POST', '/api/session/fill', { bytes }),
    rearmFirstRequest: () => request('POST', '/api/lab/first-request'),
    // Replay: a recorded request sent again, its body as recorded (a cut one is not resent).
    resend: (recorded) => call(recorded.method, `${recorded.path}${recorded.query ? `?${recorded.query}` : ''}`, {
      lab, client, owner, raw: recorded.body?.text && !recorded.body.truncated ? recorded.body : undefined,
    }),
    // EventSource cannot send X-Client-Id: the client names itself in the query, so
    // the server shows it its own cookie values and masks everyone else's.
    streamUrl: (after, epoch) => streamUrl({ lab, client, after, epoch }),
    // Asked only when the stream fails to open (workshop.js says why it was refused).
    probeStream: async () => (await import('./workshop.js')).probeStream(streamUrl({ lab, client })),
  };
}

function streamUrl({ lab, client, after, epoch }) {
  const params = new URLSearchParams({ lab });
  if (client) params.set('client', client);
  if (after) params.set('after', after);
  // The log `after` is of (GET /api/hooks): another one now → `reset`, then every event.
  if (epoch) params.set('epoch', epoch);
  return `/api/hooks/stream?${params}`;
}
