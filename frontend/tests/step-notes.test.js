import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundOutput, stepNote, OUTPUT_LINES, OUTPUT_LINE_CHARS } from '../step-notes.js';

const step = (name, extra = {}) => ({ name, kind: 'hook', function: `f.${name}`, error: null, detail: {}, ...extra });

test('teardown steps say what they received, None included', () => {
  assert.equal(stepNote(step('teardown_request')), 'received None');
  assert.match(stepNote(step('teardown_request', { error: { type: 'RuntimeError', message: 'boom' } })), /received RuntimeError: boom/);
});

test('a teardown return value is shown as one Flask ignores', () => {
  const note = stepNote(step('teardown_request', { detail: { returned: null } }));
  assert.match(note, /returned null: Flask ignores what a teardown function returns/);
  assert.match(stepNote(step('teardown_request', { detail: { returned: 'text' } })), /returned "text"/);
  assert.match(stepNote(step('teardown_request', { detail: { returned: { type: 'ZeroDivisionError', message: 'division by zero' } } })),
    /returned ZeroDivisionError: division by zero: Flask ignores/);
  assert.doesNotMatch(stepNote(step('teardown_request')), /returned/);
});

test('after_this_request callbacks and the emulated first-request hook say what they are', () => {
  assert.match(stepNote(step('after_this_request', { kind: 'after_this_request' })), /registered with after_this_request/);
  assert.match(stepNote(step('before_first_request', { detail: { emulated: true, note: 'Emulated: as Flask 2.2 ran it' } })), /Emulated: as Flask 2\.2 ran it/);
  assert.match(stepNote(step('after_request', { detail: { saw_after_this_request: true } })), /callback ran first/);
  assert.match(stepNote(step('teardown_request', { detail: { teardown_pass: 1, chunks_produced: 0 } })), /teardown pass 1: 0 chunks of the body/);
});

test('a refused session cookie says how the reason was found', () => {
  assert.match(stepNote(step('open_session', { kind: 'session', detail: { signed_cookie_rejected: 'bad_signature' } })), /Flask's signing serializer/);
});

test('output is bounded in lines and length', () => {
  const many = Array.from({ length: OUTPUT_LINES + 5 }, (_, i) => `line ${i}`);
  const { lines, hidden } = boundOutput(many);
  assert.equal(lines.length, OUTPUT_LINES);
  assert.equal(hidden, 5);
  const long = boundOutput(['x'.repeat(OUTPUT_LINE_CHARS + 10)]);
  assert.equal(long.lines[0].length, OUTPUT_LINE_CHARS + 1);
  assert.deepEqual(boundOutput(undefined), { lines: [], hidden: 0 });
});
