import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  carried, errorOutcome, hookSteps, scopeOrder, streamTiming, teardownAfterBody, teardownBeforeBody, parseChunks, copyCookies, replayVerdicts, cookieAttributeNotes,
} from '../lesson-facts.js';

// /api/state's cookies: [{name, value, ...}] in the order received.
const received = (pairs) => Object.entries(pairs).map(([name, value]) => ({ name, value }));
const s = (name, extra = {}) => ({ name, kind: 'hook', function: `f.${name}`, blueprint: null, error: null, offset_ms: 0, duration_ms: 1, detail: {}, ...extra });

test('a handled exception and a propagated one read differently', () => {
  const handled = { steps: [s('got_request_exception'), s('errorhandler'), s('after_request'), s('save_session'), s('request_finished'),
    s('teardown_request', { error: { type: 'ZeroDivisionError', message: 'division by zero' } })], end: { status: 500, error: null } };
  const propagated = { steps: [s('got_request_exception'), s('teardown_request', { error: { type: 'ZeroDivisionError', message: 'division by zero' } })],
    end: { status: 500, error: { type: 'ZeroDivisionError', message: 'division by zero' } } };
  const a = errorOutcome(handled);
  const b = errorOutcome(propagated);
  assert.equal(a.errorhandler && a.after_request && a.save_session && a.request_finished, true);
  assert.equal(a.propagated, false);
  assert.deepEqual([b.errorhandler, b.after_request, b.save_session, b.request_finished, b.propagated], [false, false, false, false, true]);
  assert.equal(b.teardown, 'ZeroDivisionError');
  assert.equal(a.teardown, 'ZeroDivisionError');
  assert.equal(errorOutcome({ steps: [], end: null }).teardown, 'not run');
});

test('hooks in and out, with the scope that registered them', () => {
  const trace = { steps: [
    s('url_value_preprocessor'), s('url_value_preprocessor', { blueprint: 'demo' }),
    s('before_request'), s('before_request', { blueprint: 'demo' }), s('view', { kind: 'view' }),
    s('after_this_request', { kind: 'after_this_request' }),
    s('after_request', { blueprint: 'demo' }), s('after_request'),
    s('teardown_request', { blueprint: 'demo' }), s('teardown_request'),
  ] };
  const hooks = hookSteps(trace);
  assert.equal(hooks.length, 9);
  assert.deepEqual(hooks[4], { name: 'after_this_request', scope: 'app' });
  assert.deepEqual(scopeOrder(hooks, 'before_request'), ['app', 'demo']);
  assert.deepEqual(scopeOrder(hooks, 'after_request'), ['demo', 'app']);
  assert.deepEqual(scopeOrder(hooks, 'teardown_request'), ['demo', 'app']);
});

test('stream timing: chunks and teardown passes on one clock', () => {
  const pass1 = s('teardown_request', { blueprint: 'demo', offset_ms: 0.8 });
  const trace = { time: 100, request: { time: 100 }, steps: [pass1, s('teardown_request', { offset_ms: 0.9 })] };
  const chunks = parseChunks('{"chunk":0,"produced_at":100.1,"teardowns_before":1}\n{"chunk":1,"produced_at":100.3,"teardowns_before":1}\n\nnot json\n{"chunk":2,"produced_at":100.5,"teardowns_before":1}\n');
  assert.equal(chunks.length, 3);
  const t = streamTiming(trace, chunks);
  assert.equal(Math.round(t.chunks[2].ms), 500);
  assert.deepEqual(t.passes, [{ pass: 1, ms: 0.8, chunksBefore: 0 }]);
  assert.equal(teardownBeforeBody(t), true);
  assert.equal(teardownAfterBody(t), false);
  const both = streamTiming({ ...trace, steps: [pass1, s('teardown_request', { blueprint: 'demo', offset_ms: 520 })] }, chunks);
  assert.deepEqual(both.passes.map((p) => [p.pass, p.chunksBefore]), [[1, 0], [2, 3]]);
  assert.equal(teardownAfterBody(both), true);
  const late = streamTiming({ ...trace, steps: [s('teardown_request', { blueprint: 'demo', offset_ms: 600 })] },
    chunks.map((c) => ({ ...c, teardowns_before: 0 })));
  assert.equal(teardownBeforeBody(late), false);
});

test('copy and replay: per mechanism, what was sent and whom the server believes', () => {
  const copy = copyCookies({ cookies: received({ username: 'Tom', session: 'abc', other: 'x' }) });
  assert.deepEqual(copy, { username: 'Tom', session: 'abc' });
  const verdicts = replayVerdicts(copy, {
    cookies: received({ username: 'Tom', session: 'abc' }),
    mechanisms: { cookie: { user: 'Tom' }, session: { user: null, decoded: { problem: 'bad_signature' } }, 'server-session': { user: null } },
  });
  assert.deepEqual(verdicts.map((v) => [v.mechanism, v.replayed, v.received, v.user, v.problem]), [
    ['cookie', true, true, 'Tom', null],
    ['session', true, true, null, 'bad_signature'],
    ['server-session', false, false, null, null],
  ]);
  const after = replayVerdicts({ server_session: 'sid1' }, { cookies: received({ server_session: 'sid1' }), mechanisms: { 'server-session': { user: null, stored: false } } });
  assert.equal(after[2].problem, 'no data stored for this id');
});

test('carried: whether the next request sent back exactly what was set', () => {
  const set = { name: 'session', value: '.eJx' };
  assert.equal(carried(set, { cookies: received({ session: '.eJx' }) }), true);
  assert.equal(carried(set, { cookies: received({ session: 'older' }) }), false);
  assert.equal(carried(set, { cookies: received({}) }), false);
  assert.equal(carried(null, { cookies: received({}) }), null);
});

test('cookie attributes explained as Chromium treats them', () => {
  assert.match(cookieAttributeNotes({}).join(' '), /Lax\+POST/);
  assert.match(cookieAttributeNotes({ samesite: 'Lax' })[0], /not on cross-site subresource requests or POSTs/);
  assert.match(cookieAttributeNotes({ samesite: 'None' })[0], /refuses to store/);
  const secure = cookieAttributeNotes({ samesite: 'None', secure: true });
  assert.match(secure[0], /cross-site requests too/);
  assert.match(secure[1], /localhost and 127\.0\.0\.1 as secure/);
  // Which holds for the host the page is served from: over HTTP elsewhere Chromium refuses it.
  const here = (host, secureContext) => cookieAttributeNotes({ secure: true }, { host, secureContext }).at(-1);
  assert.match(here('127.0.0.1', true), /this page's host \(127\.0\.0\.1\) is one, so it works here/);
  assert.match(here('192.168.1.20', false), /served over plain HTTP from 192\.168\.1\.20.*refuses to store/);
  assert.match(here('lab.example.org', true), /works here/);
  assert.match(cookieAttributeNotes({ samesite: 'Strict' })[0], /never sent/);
});

test('lesson b\'s caption says what the table measured, handlers on or off', async () => {
  const { propagateCaption } = await import('../lesson-facts.js');
  const out = (over) => ({ errorhandler: true, after_request: true, save_session: true, request_finished: true, teardown: 'None', propagated: false, ...over });
  const on = {
    abortOff: out({}), abortOn: out({}),
    raiseOff: out({ teardown: 'ZeroDivisionError' }),
    raiseOn: out({ errorhandler: false, after_request: false, save_session: false, request_finished: false, teardown: 'ZeroDivisionError', propagated: true }),
  };
  const withHandlers = propagateCaption(on);
  assert.match(withHandlers, /its 500 handler ran with the switch off and on/);
  assert.match(withHandlers, /skipped the 500 handler, after_request, the session save and request_finished/);
  assert.match(withHandlers, /teardown still received it/);
  const off = Object.fromEntries(Object.entries(on).map(([k, v]) => [k, { ...v, errorhandler: false }]));
  const without = propagateCaption(off);
  assert.doesNotMatch(without, /its 500 handler ran/);
  assert.match(without, /no 500 handler ran in any column: Custom error handlers are off/);
  assert.match(without, /skipped after_request, the session save and request_finished/);
});

test('the tutorial\'s /comment says which cookie it read', async () => {
  const { cookieSent } = await import('../lesson-facts.js');
  const trace = { request: { cookie_header: 'session=eyJ.x.y; username=Tom' } };
  assert.equal(cookieSent(trace, 'username'), 'Tom');
  assert.equal(cookieSent({ request: { cookie_header: 'session=a' } }, 'username'), undefined);
  assert.equal(cookieSent(null, 'username'), undefined);
});

test('start clean: the switches a lesson needs that differ from the lab\'s', async () => {
  const { switchesToSet } = await import('../lesson-facts.js');
  const settings = { custom_error_handlers: false, short_circuit: false, propagate_exceptions: true };
  assert.deepEqual(switchesToSet({ custom_error_handlers: true, short_circuit: false }, settings), { custom_error_handlers: true });
  assert.deepEqual(switchesToSet({}, settings), {});
  assert.deepEqual(switchesToSet({ short_circuit: false }, null), { short_circuit: false }, 'unknown settings: set them');
});

test('a replayed signed session past the lifetime its login chose says why nobody is believed', async () => {
  const copy = { session: 'abc' };
  const server = (payload) => ({ cookies: received({ session: 'abc' }),
    mechanisms: { session: { user: null, decoded: { problem: null, signature_valid: true, payload } } } });
  const [, expired] = replayVerdicts(copy, server({ username: 'Tom', _cookie: { max_age: 3, expires: 1000 } }), 2000);
  assert.match(expired.problem, /the 3 s lifetime this login chose \(_cookie\.expires\) has passed: this lab refuses it/);
  assert.match(expired.problem, /plain Flask would believe the copy/);
  assert.match(expired.problem, /session\.permanent = True/);
  const [, fresh] = replayVerdicts(copy, server({ username: 'Tom', _cookie: { max_age: 3, expires: 3000 } }), 2000);
  assert.equal(fresh.problem, null);
});
