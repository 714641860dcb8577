// Cookie values as Werkzeug 3.1 writes and reads them, so a value the page writes with
// document.cookie reads back on the server as the same string.
// dump_cookie quotes a value that is not all RFC 6265 token characters, escaping bytes
// of its UTF-8 form as three-digit octal; parse_cookie undoes that.

const NO_QUOTE = /^[A-Za-z0-9_!#$%&'()*+\-./:<=>?@[\]^`{|}~]*$/;

// werkzeug.http._cookie_slash_re: [\x00-\x19",;\\\x7f-\xff] (note: \x19, not \x1f).
function needsSlash(byte) {
  return byte <= 0x19 || byte === 0x22 || byte === 0x2c || byte === 0x3b
    || byte === 0x5c || byte >= 0x7f;
}

export function quoteCookieValue(value) {
  if (NO_QUOTE.test(value)) return value;
  let out = '"';
  for (const byte of new TextEncoder().encode(value)) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (needsSlash(byte)) out += '\\' + byte.toString(8).padStart(3, '0');
    else out += String.fromCharCode(byte);
  }
  return out + '"';
}

export function unquoteCookieValue(raw) {
  if (raw.length < 2 || raw[0] !== '"' || raw[raw.length - 1] !== '"') return raw;
  const bytes = new TextEncoder().encode(raw.slice(1, -1));
  const out = [];
  for (let i = 0; i < bytes.length; i += 1) {
    if (bytes[i] !== 0x5c || i + 1 >= bytes.length) {
      out.push(bytes[i]);
      continue;
    }
    const octal = String.fromCharCode(...bytes.slice(i + 1, i + 4));
    if (/^[0-3][0-7]{2}$/.test(octal)) {
      out.push(parseInt(octal, 8));
      i += 3;
    } else {
      out.push(bytes[i + 1]);
      i += 1;
    }
  }
  return new TextDecoder().decode(Uint8Array.from(out));
}

// werkzeug.sansio.http._cookie_re, as a sticky regex.
const COOKIE_PAIR = /[ \t]*([^ \t=";]+)(?:[ \t]*=[ \t]*("(?:[^\\"]|\\.)*"|[^ \t";]*))?[ \t]*(?:;|$)/y;

/** Split a Cookie header or document.cookie into [{name, raw, value}], in order. */
export function parseCookies(header) {
  const cookies = [];
  if (!header) return cookies;
  let pos = 0;
  while (pos < header.length) {
    COOKIE_PAIR.lastIndex = pos;
    const m = COOKIE_PAIR.exec(header);
    if (!m || m[0] === '') {
      const next = header.indexOf(';', pos);
      if (next === -1) break;
      pos = next + 1;
      continue;
    }
    pos = COOKIE_PAIR.lastIndex;
    const raw = m[2] ?? '';
    cookies.push({ name: m[1], raw, value: unquoteCookieValue(raw) });
  }
  return cookies;
}

/** The document.cookie assignment that stores `value` the way Werkzeug would have. */
export function cookieAssignment(name, value, { path = '/' } = {}) {
  return `${name}=${quoteCookieValue(value)}; path=${path}`;
}

/**
 * One Set-Cookie header taken apart: {name, raw, value, attributes, maxAge, expires}.
 * `attributes` keeps every attribute as sent (flags as true).
 */
export function parseSetCookie(header) {
  const [pair, ...rest] = splitAttributes(header);
  const eq = pair.indexOf('=');
  const name = (eq === -1 ? pair : pair.slice(0, eq)).trim();
  const raw = eq === -1 ? '' : pair.slice(eq + 1).trim();
  const attributes = {};
  for (const part of rest) {
    const i = part.indexOf('=');
    const key = (i === -1 ? part : part.slice(0, i)).trim();
    if (key) attributes[key.toLowerCase()] = i === -1 ? true : part.slice(i + 1).trim();
  }
  const maxAge = 'max-age' in attributes ? Number(attributes['max-age']) : null;
  const expires = attributes.expires ? Date.parse(attributes.expires) : null;
  return {
    name, raw, value: unquoteCookieValue(raw), attributes,
    maxAge: Number.isFinite(maxAge) ? maxAge : null,
    expires: Number.isFinite(expires) ? expires : null,
  };
}

// Semicolons inside a quoted value are escaped by Werkzeug, but stay safe anyway.
function splitAttributes(header) {
  const parts = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i += 1) {
    const ch = header[i];
    if (ch === '\\' && quoted) {
      current += ch + (header[i + 1] ?? '');
      i += 1;
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (ch === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * When a cookie set by `header` (received at `receivedAt`, ms) stops being sent:
 * a time in ms, 0 when the header deletes it, or null for a browser-session cookie.
 * Max-Age wins over Expires, as in browsers. Given `serverTime` (the response's Date,
 * ms), Expires is read relative to it, as Chromium does to cancel clock skew: the
 * cookie lives `Expires - Date` from receipt.
 */
export function cookieExpiry(header, receivedAt, serverTime = null) {
  const cookie = typeof header === 'string' ? parseSetCookie(header) : header;
  if (cookie.maxAge !== null) return cookie.maxAge <= 0 ? 0 : receivedAt + cookie.maxAge * 1000;
  if (cookie.expires === null) return null;
  const at = serverTime === null ? cookie.expires : receivedAt + (cookie.expires - serverTime);
  return at <= receivedAt ? 0 : at;
}

/** The SameSite and Secure attributes as written in a Set-Cookie, e.g. ["SameSite=Lax", "Secure"]. */
export function cookieFlags(attributes = {}) {
  return [attributes.samesite ? `SameSite=${attributes.samesite}` : null, attributes.secure ? 'Secure' : null].filter(Boolean);
}

/** Every cookie /api/state says the server received, in order: [{name, value, size, foreign, hint}]. */
export function receivedCookies(server) {
  return server?.cookies ?? [];
}

/** The value the server received for `name` (its first copy), or undefined. */
export function receivedValue(server, name) {
  return receivedCookies(server).find((c) => c.name === name)?.value;
}
