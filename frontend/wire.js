// The request on the wire, as DevTools shows it: every header both ways, each
// Set-Cookie's attributes, both bodies, and the traceback of a request that raised.
// Values the server cut end "... (N more characters)" (or "…" for lines and headers);
// the page marks them.

import { h } from './dom.js';
import { parseSetCookie } from './cookies.js';
import { prettyJson } from './format.js';

// Its stylesheet comes with it: the page's initial weight carries neither.
if (typeof document !== 'undefined') {
  document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: new URL('./wire.css', import.meta.url).href }));
}

const CUT = /(?:…|\.\.\.) \((\d+) more (characters|lines|headers)\)$/;
const open = new Set(); // which sections the learner opened, kept across re-renders

/** A collapsible section whose open state survives the panel's re-render. */
function section(key, title, body, { startOpen = false } = {}) {
  const el = h('details', { class: 'wire', dataset: { wire: key } }, h('summary', {}, title), body);
  el.open = open.has(key) || (startOpen && !open.has(`-${key}`));
  el.addEventListener('toggle', () => {
    open.delete(el.open ? `-${key}` : key);
    open.add(el.open ? key : `-${key}`);
  });
  return el;
}

/** A value, with the server's cut marker set apart. */
function capped(text) {
  const m = CUT.exec(text);
  if (!m) return text;
  return [text.slice(0, m.index), h('span', { class: 'cut', title: 'cut by the server' }, m[0])];
}

const LONG = 160; // characters of a value shown before "show all"

/** A value in code; one longer than LONG is cut, with "show all (6,259 B)" to see the rest. */
export function longValue(text, attrs = {}) {
  const value = String(text);
  if (value.length <= LONG) return h('code', attrs, capped(value));
  const bytes = new TextEncoder().encode(value).length.toLocaleString('en');
  const code = h('code', attrs, value.slice(0, LONG), '…');
  const more = h('button', { type: 'button', class: 'btn small show-all', dataset: { testid: 'show-all' } }, `show all (${bytes} B)`);
  more.addEventListener('click', () => {
    code.replaceChildren(...[capped(value)].flat());
    more.remove();
  });
  return h('span', { class: 'long-value' }, code, ' ', more);
}

function headerTable(headers, label) {
  return h('table', { class: 'headers', 'aria-label': label },
    h('tbody', {}, headers.map(([name, value]) => h('tr', {},
      h('th', { scope: 'row' }, name), h('td', {}, longValue(value))))));
}

function headersSection(key, title, headers) {
  if (!headers) return null;
  return section(key, `${title} (${headers.length})`, headers.length
    ? headerTable(headers, title) : h('p', { class: 'empty' }, 'None.'));
}

const yes = (on) => (on ? '✓' : '–');

/** Each Set-Cookie's attributes as DevTools' Cookies tab lists them. */
export function cookieAttributes(header) {
  const c = parseSetCookie(header);
  const a = c.attributes;
  return {
    name: c.name, value: c.value, size: new TextEncoder().encode(c.name + c.raw).length,
    domain: a.domain ?? '(this host)', path: a.path ?? '(the request\'s)',
    expires: a['max-age'] !== undefined ? `Max-Age=${a['max-age']}` : (a.expires ?? 'Session'),
    secure: Boolean(a.secure), httpOnly: Boolean(a.httponly), sameSite: a.samesite ?? '(not set: Lax in Chromium)',
  };
}

function setCookieSection(lines) {
  if (!lines?.length) return null;
  const rows = lines.map(cookieAttributes);
  const cols = ['Name', 'Value', 'Size', 'Domain', 'Path', 'Expires / Max-Age', 'Secure', 'HttpOnly', 'SameSite'];
  return section('set-cookie', `Set-Cookie attributes (${rows.length})`,
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Set-Cookie attributes', tabindex: '0' },
      h('table', { class: 'cookie-attrs' },
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.map((r) => h('tr', { dataset: { cookie: r.name } },
          h('th', { scope: 'row' }, h('code', {}, r.name)),
          h('td', {}, h('code', { class: 'value' }, r.value || '(empty: deletes it)')),
          h('td', { class: 'num' }, String(r.size)), h('td', {}, r.domain), h('td', {}, r.path),
          h('td', {}, r.expires), h('td', {}, yes(r.secure)), h('td', {}, yes(r.httpOnly)), h('td', {}, r.sameSite)))))));
}

/** A body as text: JSON pretty-printed when it is whole, anything else (HTML too) as it came. */
export function bodyText(body) {
  if (!body.text) return body.truncated ? `(not shown: ${body.type || 'no type'}, ${body.size} bytes)` : '(empty)';
  if (/json/.test(body.type ?? '') && !body.truncated) {
    try {
      return prettyJson(JSON.parse(body.text));
    } catch {
      return body.text;
    }
  }
  return body.text;
}

function bodySection(key, title, body, streamed) {
  if (body === undefined) return null;
  if (body === null) return section(key, `${title}: none`, h('p', { class: 'empty' }, streamed));
  return section(key, `${title} (${body.type || 'no type'}, ${body.size} bytes${body.truncated ? ', cut' : ''})`, [
    body.truncated && body.text ? h('p', { class: 'hint cut-note' }, `Cut by the server: only the start of ${body.size} bytes is shown.`) : null,
    h('pre', { class: 'code body', tabindex: '0', 'aria-label': title }, capped(bodyText(body))),
  ]);
}

/** The wire sections of a trace; only those its events carry (older servers send none). */
export function wireSections(trace) {
  const r = trace.request ?? {};
  const end = trace.end;
  return [
    end?.traceback ? section('traceback', 'Traceback (the server\'s log)',
      h('pre', { class: 'code traceback', tabindex: '0', 'aria-label': 'Traceback' }, capped(end.traceback)), { startOpen: true }) : null,
    headersSection('request-headers', 'Request headers', r.headers),
    bodySection('request-body', 'Request body', r.body, 'This request had no body.'),
    end ? headersSection('response-headers', 'Response headers', end.headers) : null,
    end ? setCookieSection(end.set_cookie) : null,
    end ? bodySection('response-body', 'Response body', end.body, 'Not captured: a streamed or file response, or one with no body (HEAD, 204, 304).') : null,
  ];
}
