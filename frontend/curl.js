// A request as a curl command, as DevTools' "Copy as cURL" writes it: the lab and client
// headers and the Cookie header included, so it replays the request from a shell. Pure.

const SKIP = new Set(['host', 'content-length', 'connection', 'accept-encoding']);

/** POSIX shell single-quoting: ' becomes '\''. */
export const shellQuote = (text) => `'${String(text).replace(/'/g, "'\\''")}'`;

export function curlCommand(trace, { origin, lab }) {
  const r = trace.request;
  const url = `${origin}${r.path}${r.query ? `?${r.query}` : ''}`;
  const headers = (r.headers ?? []).filter(([name]) => name !== '…' && !SKIP.has(name.toLowerCase()));
  const named = (n) => headers.some(([name]) => name.toLowerCase() === n);
  // Servers before the DevTools fields sent no header list: name the lab, client and cookies.
  if (!named('x-lab-id')) headers.push(['X-Lab-Id', lab]);
  if (!named('x-client-id') && trace.client) headers.push(['X-Client-Id', trace.client]);
  if (!named('cookie') && r.cookie_header) headers.push(['Cookie', r.cookie_header]);
  if (r.body?.text && !named('content-type')) headers.push(['Content-Type', r.body.type]);
  return [
    'curl', '-sS', '-X', r.method, shellQuote(url),
    ...headers.flatMap(([name, value]) => ['-H', shellQuote(`${name}: ${value}`)]),
    ...(r.body?.text && !r.body.truncated ? ['--data-raw', shellQuote(r.body.text)] : []),
  ].join(' ');
}
