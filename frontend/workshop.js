// A class in one lab, in words: a full lab, what a late joiner missed, and
// who changed the lab; probeStream asks the stream why a full lab refused. Loaded only
// when one of these is to be said.

import { h, fill } from './dom.js';
import { clientName, formatClock } from './format.js';

/** What a refused stream (429 lab_full) makes the page say. */
export function labFullText(viewers) {
  const count = !Number.isFinite(viewers) ? 'no room for more viewers'
    : viewers === 1 ? '1 viewer' : `${viewers} viewers`;
  return `This lab is full (${count}): polling for new requests every few seconds instead of live.`;
}

/**
 * What a stream refused for want of room (stream.js `pollsFor`) makes the page say: a
 * full lab, or a server following as many labs (too_many_watched_labs) or streams as
 * it may.
 */
export function refusedText(refusal) {
  if (refusal?.error === 'lab_full') return labFullText(refusal.viewers);
  const what = refusal?.error === 'too_many_watched_labs'
    ? `as many labs live as it can${Number.isFinite(refusal.labs) ? ` (${refusal.labs} at once)` : ''}`
    : 'as many live connections as it can';
  return `The server is already showing ${what}: this page checks for new requests every few `
    + 'seconds instead, and goes live again by itself when there is room.';
}

/** What a late joiner is told when the bounded log had already lost older events. */
export function droppedText(shown, dropped) {
  if (!dropped) return null;
  const requests = shown === 1 ? '1 request' : `${shown} requests`;
  const events = dropped === 1 ? '1 older event was' : `${dropped} older events were`;
  return `Showing the last ${requests}; ${events} dropped from the lab's bounded log.`;
}

/** Who did it, as every viewer may see them: the display name, or `client abcd` (its public id's start). */
export function whoDid(by) {
  if (by?.name) return by.name;
  return by?.client ? clientName(by.client) : 'someone';
}

function describeChanges(changes = {}) {
  if (changes.reset) return 'reset the lab';
  if (changes.secret) return `changed the signing key (${changes.secret})`;
  if (changes.first_request) return 'made the lab\'s next request a first request again';
  const parts = Object.entries(changes).map(([key, on]) => `${key} ${on ? 'on' : 'off'}`);
  return parts.length ? `set ${parts.join(', ')}` : 'changed the settings';
}

/**
 * One line for a lab event the timeline shows beside the requests (`settings`,
 * `clear`, `people`, `lab`, and `mine`: this page's own Clear), or null for the others.
 */
export function labEventLine(event) {
  switch (event.type) {
    case 'settings': return `${whoDid(event.by)} ${describeChanges(event.changes)}`;
    case 'clear': return `${whoDid(event.by)} cleared the log for everyone`;
    case 'people': return `${event.by?.client ? clientName(event.by.client) : 'someone'} is now called ${event.name}`;
    case 'lab': return 'The lab\'s log starts afresh here'; // the banner says why (live.js)
    case 'mine': return `You cleared your view: ${event.hidden} request${event.hidden === 1 ? '' : 's'} hidden on this page only; everyone else still sees them`;
    default: return null;
  }
}

/**
 * Why the stream was refused: EventSource hides the answer, so the same URL is fetched
 * once. A stream that opens is closed at once (`{status: 200}`); a refusal answers
 * JSON (`{status: 429, data: {error: "lab_full", viewers}}`).
 */
export async function probeStream(url) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream' }, cache: 'no-store', signal: controller.signal });
  if (res.ok) {
    controller.abort();
    return { status: res.status, data: null };
  }
  const data = await res.json().catch(() => null);
  return { status: res.status, data };
}

/** The lab events above the timeline, newest last; `undoable`'s line gets an Undo. */
export function drawActivity(list, events, undoable, onUndo) {
  list.hidden = !events.length;
  fill(list, events.map((e) => h('li', { 'data-type': e.type },
    h('time', {}, e.time ? formatClock(e.time) : ''), h('span', { class: 'who' }, labEventLine(e)),
    e === undoable ? h('button', { type: 'button', class: 'btn small', onclick: onUndo }, 'Undo') : null)));
}
