// A trace as it may leave the page (the JSON and HAR exports, Copy as curl). The server
// sends this page its own traces whole, raw client id included, but that id is a bearer
// credential: with it, /api/hooks/stream?client= sends its owner's cookie values
// unmasked (backend masking.py). So every copy of it (the `client` field, the
// X-Client-Id header, /api/state's answer) is replaced by the trace's public id,
// `person`, which every other viewer already sees. Pure.

const HIDDEN = '(client id not shared)'; // no public id known (a server before identity.py)
const MIN_CLIENT = 8; // the server records no shorter id (labs.py CLIENT_ID); replacing one would mangle other text

function replaceAll(value, raw, stand) {
  if (typeof value === 'string') return value.split(raw).join(stand);
  if (Array.isArray(value)) return value.map((x) => replaceAll(x, raw, stand));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceAll(v, raw, stand)]));
  }
  return value;
}

/** A copy of `trace` with its raw client id replaced by its public id everywhere. */
export function shareable(trace) {
  const raw = trace.client;
  const copy = typeof raw === 'string' && raw.length >= MIN_CLIENT ? replaceAll(trace, raw, trace.person ?? HIDDEN) : trace;
  const client = trace.person ?? null; // as the server shows it to others (masking.py mask_event)
  return { ...copy, client, request: copy.request && { ...copy.request, client } };
}
