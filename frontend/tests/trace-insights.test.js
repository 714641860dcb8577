import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notRun, tracebackHeadline, withoutTracerFrames } from '../trace-insights.js';

const hook = (name, fn, blueprint = null, extra = {}) => ({ name, function: `notes.${fn}`, blueprint, ...extra });
const step = (name, fn, blueprint = null, detail = {}) => ({ kind: 'hook', name, function: `notes.${fn}`, blueprint, detail });
const registered = {
  blueprints: ['auth', 'notes', 'admin', 'admin.users'],
  hooks: [
    hook('before_request', 'app_before'),
    hook('before_request', 'notes_before', 'notes'),
    hook('url_value_preprocessor', 'notes_values', 'notes'),
    hook('after_request', 'auth_after', 'auth'),
    hook('before_request', 'users_before', 'admin.users'),
    hook('teardown_request', 'app_teardown'),
    hook('url_defaults', 'app_defaults'),
    hook('errorhandler', 'not_found', null, { code: 404, exception: 'NotFound' }),
  ],
};
const why = (trace) => Object.fromEntries(notRun(trace, registered).map((n) => [n.function.replace('notes.', ''), n.reason]));

test('a hook of another blueprint did not run, and says whose view ran', () => {
  const trace = {
    steps: [step('before_request', 'app_before'), step('url_value_preprocessor', 'notes_values', 'notes'),
      step('before_request', 'notes_before', 'notes'), step('teardown_request', 'app_teardown')],
    end: { status: 200, endpoint: 'notes.index' },
  };
  const reasons = why(trace);
  assert.match(reasons.auth_after, /another blueprint's hook \(auth\): this request's view is in notes/);
  assert.match(reasons.users_before, /admin\.users/);
  assert.match(reasons.app_defaults, /url_for/);
  assert.match(reasons.not_found, /404/);
  assert.equal(reasons.app_before, undefined, 'what ran is not listed');
});

test('a nested blueprint runs its parents\' hooks: only the others are listed', () => {
  const trace = { steps: [step('before_request', 'app_before'), step('before_request', 'users_before', 'admin.users')], end: { status: 200, endpoint: 'admin.users.list' } };
  const reasons = why(trace);
  assert.equal(reasons.users_before, undefined);
  assert.match(reasons.notes_before, /this request's view is in admin\.users/);
});

test('a before_request that answered skips the rest: the short-circuit is named', () => {
  const trace = {
    steps: [step('before_request', 'app_before', null, { returned_response: true }), step('teardown_request', 'app_teardown')],
    end: { status: 302, endpoint: 'notes.index' },
  };
  const reasons = why(trace);
  assert.match(reasons.notes_before, /\(notes\.app_before\) answered the request/);
  assert.match(reasons.notes_values, /answered the request/);
});

test('a routing error runs only the app\'s hooks', () => {
  const trace = {
    steps: [step('request_started', 'x', null, { endpoint: null, routing_exception: { type: 'NotFound' } }), step('before_request', 'app_before')],
    end: { status: 404, endpoint: null },
  };
  assert.match(why(trace).notes_before, /routing failed \(404\)/);
  assert.match(why(trace).auth_after, /routing failed/);
});

test('nothing is listed before the request ends, or without the registry', () => {
  assert.deepEqual(notRun({ steps: [], end: null }, registered), []);
  assert.deepEqual(notRun({ steps: [], end: { status: 200 } }, null), []);
});

const TB = `Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/flask/app.py", line 917, in full_dispatch_request
    rv = self.dispatch_request()
         ^^^^^^^^^^^^^^^^^^^^^^^
  File "/venv/lib/python3.11/site-packages/flask/app.py", line 902, in dispatch_request
    return self.ensure_sync(self.view_functions[rule.endpoint])(**view_args)
  File "/work/backend/statelab_trace/instrument.py", line 95, in traced
    result = func(*args, **kwargs)
  File "/home/dev/notes/notes.py", line 40, in broken
    return helper()
  File "/home/dev/notes/util.py", line 3, in helper
    return 1 / 0
           ~~^~~
ZeroDivisionError: division by zero`;

test('the headline: the exception, the app\'s frames innermost first, libraries folded, the tracer never', () => {
  const head = tracebackHeadline(TB);
  assert.equal(head.exception, 'ZeroDivisionError: division by zero');
  assert.deepEqual(head.app.map((f) => `${f.file}:${f.line} ${f.func}`), ['/home/dev/notes/util.py:3 helper', '/home/dev/notes/notes.py:40 broken']);
  assert.equal(head.app[0].code, 'return 1 / 0');
  assert.deepEqual(head.library.map((f) => f.func), ['dispatch_request', 'full_dispatch_request']);
  assert.ok(!JSON.stringify(head).includes('statelab_trace'));
  const raw = withoutTracerFrames(TB);
  assert.ok(!raw.includes('instrument.py') && !raw.includes('result = func(*args'));
  assert.ok(raw.includes('/home/dev/notes/util.py') && raw.endsWith('ZeroDivisionError: division by zero'));
});

test('a chained traceback heads with the last exception; no traceback, no headline', () => {
  const chained = `${TB.replace('ZeroDivisionError: division by zero', 'KeyError: \'x\'')}\n\nDuring handling of the above exception, another exception occurred:\n\n${TB}`;
  assert.equal(tracebackHeadline(chained).exception, 'ZeroDivisionError: division by zero');
  assert.equal(tracebackHeadline(''), null);
  assert.equal(tracebackHeadline(undefined), null);
});
