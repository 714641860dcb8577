// What a lesson reads off measured traces and state, in the page's words. Pure: no DOM.

import { MECHANISMS } from './mechanisms.js';
import { parseCookies, receivedValue } from './cookies.js';

const has = (trace, name) => trace.steps.some((s) => s.name === name);

/** What Flask did with a failed request, from its trace: the propagate lesson's table rows. */
export function errorOutcome(trace) {
  const teardown = trace.steps.find((s) => s.name === 'teardown_request');
  return {
    status: trace.end?.status ?? null,
    got_request_exception: has(trace, 'got_request_exception'),
    errorhandler: has(trace, 'errorhandler'),
    after_request: has(trace, 'after_request'),
    save_session: has(trace, 'save_session'),
    request_finished: has(trace, 'request_finished'),
    teardown: teardown ? teardown.error?.type ?? 'None' : 'not run',
    propagated: Boolean(trace.end?.error),
  };
}

export const OUTCOME_ROWS = [
  ['status', 'Status'],
  ['got_request_exception', 'got_request_exception sent'],
  ['errorhandler', '500 handler ran'],
  ['after_request', 'after_request ran'],
  ['save_session', 'session saved'],
  ['request_finished', 'request_finished sent'],
  ['teardown', 'teardown received'],
  ['propagated', 'Flask re-raised it'],
];

const SKIPPABLE = [['errorhandler', 'the 500 handler'], ['after_request', 'after_request'],
  ['save_session', 'the session save'], ['request_finished', 'request_finished']];

const listed = (words) => (words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`);

/**
 * Lesson b's caption, from the four measured outcomes (errorOutcome): abortOff, abortOn,
 * raiseOff, raiseOn. Said from the table, so it holds with the custom handlers on or off.
 */
export function propagateCaption({ abortOff, abortOn, raiseOff, raiseOn }) {
  const handlers = [abortOff, abortOn, raiseOff, raiseOn].map((o) => o?.errorhandler);
  let abort = 'abort(500) is an HTTP exception, never propagated: ';
  if (handlers.every((ran) => !ran)) abort += 'no 500 handler ran in any column: Custom error handlers are off in this lab, so none is registered and Werkzeug\'s default page answered.';
  else if (abortOff?.errorhandler && abortOn?.errorhandler) abort += 'its 500 handler ran with the switch off and on.';
  else abort += `its 500 handler ran with the switch ${abortOff?.errorhandler ? 'off' : 'on'} only.`;
  const skipped = SKIPPABLE.filter(([key]) => raiseOff?.[key] && raiseOn && !raiseOn[key]).map(([, words]) => words);
  const raise = raiseOn?.propagated
    ? `A propagated raise ${skipped.length ? `skipped ${listed(skipped)}` : 'skipped nothing the unpropagated one ran'}; ${raiseOn.teardown === 'not run' ? 'teardown did not run' : 'teardown still received it'}.`
    : 'With the switch on, Flask did not re-raise the raise (see the last row).';
  return `${abort} ${raise}`;
}

/** The value of cookie `name` a traced request carried, or undefined. */
export function cookieSent(trace, name) {
  return parseCookies(trace?.request?.cookie_header ?? '').find((c) => c.name === name)?.value;
}

/** The lab switches a lesson needs ({key: value}) that the lab's `settings` do not have. */
export function switchesToSet(needs, settings) {
  return Object.fromEntries(Object.entries(needs).filter(([key, value]) => settings?.[key] !== value));
}

const HOOKS = new Set(['url_value_preprocessor', 'before_request', 'after_this_request', 'after_request', 'teardown_request']);

/** The hook steps of a trace, each with the scope that registered it ("app" or a blueprint). */
export function hookSteps(trace) {
  return trace.steps.filter((s) => HOOKS.has(s.name)).map((s) => ({ name: s.name, scope: s.blueprint ?? 'app' }));
}

/** The scopes whose `name` hooks ran, in the order they first ran: e.g. ["demo", "app"]. */
export function scopeOrder(hooks, name) {
  return [...new Set(hooks.filter((hk) => hk.name === name).map((hk) => hk.scope))];
}

/** The stream lesson on one clock (ms from the request's start): chunks, and teardown passes with the chunks before each. */
export function streamTiming(trace, chunks, blueprint = 'demo') {
  const start = trace.request?.time ?? trace.time;
  const at = chunks.map((c) => ({ chunk: c.chunk, ms: (c.produced_at - start) * 1000, teardownsBefore: c.teardowns_before ?? null }));
  const passes = trace.steps.filter((s) => s.name === 'teardown_request' && s.blueprint === blueprint)
    .map((s, i) => ({ pass: i + 1, ms: s.offset_ms, chunksBefore: at.filter((c) => c.ms <= s.offset_ms).length }));
  return { chunks: at, passes };
}

/** Whether teardown ran before the body: a pass came before every chunk, and each chunk says one had run. */
export function teardownBeforeBody(timing) {
  return timing.passes.some((p) => p.chunksBefore === 0)
    && timing.chunks.length > 0 && timing.chunks.every((c) => c.teardownsBefore >= 1);
}

/** Whether a teardown pass came after the last chunk (stream_with_context's second pass). */
export function teardownAfterBody(timing) {
  return timing.chunks.length > 0 && timing.passes.some((p) => p.chunksBefore === timing.chunks.length);
}

/** Parse the stream lesson's body: one JSON object a line; other lines are skipped. */
export function parseChunks(text) {
  const chunks = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line);
      if (Number.isFinite(value?.chunk) && Number.isFinite(value?.produced_at)) chunks.push(value);
    } catch {
      // not a chunk line
    }
  }
  return chunks;
}

const COPYABLE = Object.entries(MECHANISMS).map(([mechanism, m]) => ({ mechanism, cookie: m.cookie }));

/** The cookies worth copying from a state answer: {name: value} for those present. */
export function copyCookies(server) {
  const copy = {};
  for (const { cookie } of COPYABLE) {
    const value = receivedValue(server, cookie);
    if (value !== undefined) copy[cookie] = value;
  }
  return copy;
}

/** After a replay, per mechanism: replayed? received as copied? whom the server believes, and why not. */
export function replayVerdicts(copy, server, nowSeconds = Date.now() / 1000) {
  return COPYABLE.map(({ mechanism, cookie }) => {
    const replayed = copy[cookie] !== undefined;
    const received = receivedValue(server, cookie);
    return {
      mechanism, cookie, replayed,
      received: replayed && received === copy[cookie],
      user: server?.mechanisms?.[mechanism]?.user ?? null,
      problem: replayed ? replayProblem(mechanism, server?.mechanisms?.[mechanism], nowSeconds) : null,
    };
  });
}

function replayProblem(mechanism, mech, nowSeconds) {
  const chosen = mech?.decoded?.payload?._cookie; // what the login chose, kept in the session
  if (mechanism === 'session' && !mech?.decoded?.problem && !mech?.user && chosen?.expires < nowSeconds) {
    return `the ${chosen.max_age} s lifetime this login chose (_cookie.expires) has passed: this lab refuses it; plain Flask would believe the copy: it checks only the signature's age against PERMANENT_SESSION_LIFETIME (31 days); set that short (with session.permanent = True, so the browser drops it too) for Flask's own refusal`;
  }
  if (mechanism === 'session') return mech?.decoded?.problem ?? null;
  if (mechanism === 'server-session' && mech?.stored === false) return 'no data stored for this id';
  return null;
}

function secureNote(where) {
  const rule = 'Secure: sent only over HTTPS or to a host Chromium counts as secure (localhost and 127.0.0.1 as secure over HTTP too)';
  if (!where) return `${rule}.`;
  return where.secureContext
    ? `${rule}: this page's host (${where.host}) is one, so it works here.`
    : `${rule}: this page is served over plain HTTP from ${where.host}, which is not one, so Chromium refuses to store the cookie.`;
}

/**
 * Did the browser keep a cookie the server set? Measured: the value a later request
 * carried (`server.cookies`) against the value in the Set-Cookie.
 */
export function carried(setCookie, server) {
  if (!setCookie || !server) return null;
  return receivedValue(server, setCookie.name) === setCookie.value;
}

/**
 * Set-Cookie attributes as the lab explains them, for one cookie's last Set-Cookie.
 * `where`: the page's host and whether the browser counts it as a secure context
 * (HTTPS, localhost, 127.0.0.1): what Secure does depends on it.
 */
export function cookieAttributeNotes(attributes = {}, where = null) {
  const sameSite = typeof attributes.samesite === 'string' ? attributes.samesite : null;
  const secure = attributes.secure === true;
  const notes = [];
  if (sameSite === null) {
    notes.push('No SameSite: Chromium treats it as Lax, but for 2 minutes after it is set a top-level cross-site POST still carries it ("Lax+POST").');
  } else if (/^lax$/i.test(sameSite)) {
    notes.push('SameSite=Lax: sent on top-level cross-site GET navigations, not on cross-site subresource requests or POSTs.');
  } else if (/^strict$/i.test(sameSite)) {
    notes.push('SameSite=Strict: never sent on a request started from another site, not even a link.');
  } else if (/^none$/i.test(sameSite)) {
    notes.push(secure
      ? 'SameSite=None; Secure: sent on cross-site requests too.'
      : 'SameSite=None without Secure: Chromium refuses to store the cookie at all.');
  }
  if (secure) notes.push(secureNote(where));
  return notes;
}
