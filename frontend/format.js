// Small formatting helpers shared by the views. Pure: no DOM.

export function formatDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatClock(epochSeconds) {
  const d = new Date(epochSeconds * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatAge(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.floor(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.floor(s % 60)} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** "2.4 s" for a countdown in ms; tenths below 10 s, whole seconds above. */
export function formatCountdown(ms) {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  return formatAge(Math.ceil(s));
}

export function statusClass(status) {
  if (status === null || status === undefined) return 'pending';
  if (status >= 500) return 'server-error';
  if (status >= 400) return 'client-error';
  if (status >= 300) return 'redirect';
  return 'ok';
}

/** The message an API answer carries: the tutorial's `msg`, or an error's `message`. */
export function responseMessage(res) {
  return res.data?.msg ?? res.data?.message ?? null;
}

const REASONS = {
  200: 'OK', 201: 'Created', 204: 'No Content', 302: 'Found', 400: 'Bad Request',
  401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error',
};

export function statusText(status) {
  return REASONS[status] ?? '';
}

/** A short, stable, readable name for a client id. */
export function clientName(id) {
  if (!id) return 'no client';
  return `client ${id.slice(0, 4)}`;
}

export function prettyJson(value) {
  return JSON.stringify(value, null, 2);
}

/** A request's path with its query, for display. */
export function requestLine(request) {
  if (!request) return '…';
  const query = request.query ? `?${request.query}` : '';
  return `${request.path}${query}`;
}

export function randomId(length = 12) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** Werkzeug's default error page (what a response is when no custom handler answered). */
export function isWerkzeugErrorPage(text) {
  return /^<!doctype html>\s*<html lang=en>\s*<title>\d{3} /i.test(text ?? '');
}
