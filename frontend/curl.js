// A request as a curl command, as DevTools' "Copy as cURL" writes it: the lab header and
// the Cookie header included, so it replays the request from a shell. Pure.

import { shareable } from './shareable.js';

// X-Client-Id is left out: the raw id is a bearer credential (shareable.js), and the
// public id sent as one would name another client. Without it the server takes the
// request as from no client: the same status for every route but PUT /api/me (400
// client_required).
const SKIP = new Set(['host', 'content-length', 'connection', 'accept-encoding', 'x-client-id']);

/** POSIX shell single-quoting: ' becomes '\''. */
export const shellQuote = (text) => `'${String(text).replace(/'/g, "'\\''")}'`;

export function curlCommand(trace, { origin, lab }) {
  const r = shareable(trace).request;
  const url = `${origin}${r.path}${r.query ? `?${r.query}` : ''}`;
  const headers = (r.headers ?? []).filter(([name]) => name !== '…' && !SKIP.has(name.toLowerCase()));
  const named = (n) => headers.some(([name]) => name.toLowerCase() === n);
  // Servers before the DevTools fields sent no header list: name the lab and cookies.
  if (lab && !named('x-lab-id')) headers.push(['X-Lab-Id', lab]);
  if (!named('cookie') && r.cookie_header) headers.push(['Cookie', r.cookie_header]);
  if (r.body?.text && !named('content-type')) headers.push(['Content-Type', r.body.type]);
  return [
    'curl', '-sS', '-X', r.method, shellQuote(url),
    ...headers.flatMap(([name, value]) => ['-H', shellQuote(`${name}: ${value}`)]),
    ...(r.body?.text && !r.body.truncated ? ['--data-raw', shellQuote(r.body.text)] : []),
  ].join(' ');
}
