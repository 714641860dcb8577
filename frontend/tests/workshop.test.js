import { test } from 'node:test';
import assert from 'node:assert/strict';
import { droppedText, labEventLine, labFullText, refusedText, whoDid } from '../workshop.js';
import { clientId, keepOwnerToken, ownerToken, takeOwnerLink } from '../lab-session.js';

function memoryStorage() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, String(v)), items };
}

test('an owner token is kept per lab', () => {
  const storage = memoryStorage();
  keepOwnerToken(storage, 'lab-a', 'token-a');
  assert.equal(ownerToken(storage, 'lab-a'), 'token-a');
  assert.equal(ownerToken(storage, 'lab-b'), null);
  keepOwnerToken(storage, 'lab-b', undefined);
  assert.equal(ownerToken(storage, 'lab-b'), null);
});

test('the teacher link keeps its token and gives the address without it', () => {
  const storage = memoryStorage();
  assert.equal(takeOwnerLink(storage, 'http://h/?lab=L1&owner=T0K&x=1#top'), '/?lab=L1&x=1#top');
  assert.equal(ownerToken(storage, 'L1'), 'T0K');
  assert.equal(takeOwnerLink(storage, 'http://h/?lab=L2'), null);
  assert.equal(ownerToken(storage, 'L2'), null);
});

test('a full lab says how many viewers it holds', () => {
  assert.match(labFullText(500), /^This lab is full \(500 viewers\): polling/);
  assert.match(labFullText(undefined), /full \(no room for more viewers\)/);
});

test('a late joiner is told what the bounded log dropped, and nothing when it dropped nothing', () => {
  assert.equal(droppedText(12, 0), null);
  assert.equal(droppedText(12, 340), 'Showing the last 12 requests; 340 older events were dropped from the lab\'s bounded log.');
  assert.equal(droppedText(1, 1), 'Showing the last 1 request; 1 older event was dropped from the lab\'s bounded log.');
});

test('lab events say who did what, by name or by the first four characters of the public id', () => {
  assert.equal(whoDid({ client: 'abcd5678', name: null }), 'client abcd');
  assert.equal(whoDid({ client: 'abcd5678', name: 'Anna' }), 'Anna');
  assert.equal(labEventLine({ type: 'settings', by: { client: 'abcd5678', name: 'Anna' }, changes: { propagate_exceptions: true } }),
    'Anna set propagate_exceptions on');
  assert.equal(labEventLine({ type: 'settings', by: { client: 'abcd5678' }, changes: { reset: true } }), 'client abcd reset the lab');
  assert.equal(labEventLine({ type: 'settings', by: { name: 'Ms Lee' }, changes: { first_request: true } }),
    'Ms Lee made the lab\'s next request a first request again');
  assert.equal(labEventLine({ type: 'settings', by: {}, changes: { secret: 'rotated', keep_fallback: true } }), 'someone changed the signing key (rotated)');
  assert.equal(labEventLine({ type: 'clear', by: { client: 'wxyz5678', name: null } }), 'client wxyz cleared the log for everyone');
  assert.equal(labEventLine({ type: 'people', by: { client: 'wxyz5678' }, name: 'Bo' }), 'client wxyz is now called Bo');
  assert.equal(labEventLine({ type: 'comments' }), null);
  assert.equal(labEventLine({ type: 'clear' }), 'someone cleared the log for everyone');
});

test('a private clear is said as such', () => {
  assert.equal(labEventLine({ type: 'mine', hidden: 12 }), 'You cleared your view: 12 requests hidden on this page only; everyone else still sees them');
  assert.equal(labEventLine({ type: 'mine', hidden: 1 }), 'You cleared your view: 1 request hidden on this page only; everyone else still sees them');
});

test('a refused stream says why in words: a full lab, or a busy server, and that it polls', () => {
  assert.match(refusedText({ error: 'lab_full', viewers: 2 }), /^This lab is full \(2 viewers\): polling/);
  assert.equal(refusedText({ error: 'too_many_watched_labs', labs: 100 }),
    'The server is already showing as many labs live as it can (100 at once): this page checks '
    + 'for new requests every few seconds instead, and goes live again by itself when there is room.');
  assert.match(refusedText({ error: 'too_many_watched_labs' }), /as many labs live as it can: this page checks/);
  assert.match(refusedText({ error: 'too_many_streams' }), /as many live connections as it can: this page checks/);
});

test('a stored client id the server would refuse (not 8-64 letters, digits, - or _) is replaced', () => {
  const store = memoryStorage();
  for (const bad of ['abc', 'a'.repeat(65), 'has space1', '']) {
    store.setItem('statelab.client', bad);
    const id = clientId(store);
    assert.match(id, /^[A-Za-z0-9_-]{8,64}$/);
    assert.equal(store.getItem('statelab.client'), id);
  }
  store.setItem('statelab.client', 'kept_id8');
  assert.equal(clientId(store), 'kept_id8');
});

test('a lab made again is told once (the banner); its line in the activity only marks where the new log starts', () => {
  const line = labEventLine({ type: 'lab', note: 'This lab was made again under the same id: the server had forgotten it' });
  assert.doesNotMatch(line, /made (this lab )?again/);
  assert.equal(line, 'The lab\'s log starts afresh here');
});
