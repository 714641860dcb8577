import { test } from 'node:test';
import assert from 'node:assert/strict';
import { People, SLOTS, slotColour, isMine, matchesPerson, personLabel, browserOf } from '../people.js';

// Public ids (identity.py): 8 characters the server derives; every page gets them whole.
const ids = (n) => Array.from({ length: n }, (_, i) => `c${String(i).padStart(3, '0')}wxyz`);
const same = (a, b) => a.hue === b.hue && a.lightness === b.lightness;

test('every slot is its own colour, and neighbouring slots are far apart in hue', () => {
  const all = Array.from({ length: SLOTS }, (_, s) => slotColour(s));
  for (let i = 0; i < SLOTS; i += 1) {
    for (let j = i + 1; j < SLOTS; j += 1) assert.ok(!same(all[i], all[j]), `slots ${i} and ${j}`);
  }
  for (let i = 0; i + 1 < SLOTS; i += 1) {
    const apart = Math.abs(all[i].hue - all[i + 1].hue);
    assert.ok(Math.min(apart, 360 - apart) >= 90, `slots ${i}, ${i + 1}: ${apart}°`);
  }
});

test('a class of 30 gets 30 distinct colours, the same on every page that read the same log', () => {
  const a = new People();
  const b = new People();
  for (const id of ids(30)) a.note(id);
  for (const id of ids(30)) b.note(id); // another page, the same log: the same public ids
  const colours = ids(30).map((id) => a.colour(id));
  for (let i = 0; i < 30; i += 1) {
    for (let j = i + 1; j < 30; j += 1) assert.ok(!same(colours[i], colours[j]), `clients ${i} and ${j}`);
    assert.deepEqual(b.colour(ids(30)[i]), colours[i]);
  }
});

test('two public ids sharing their first four characters are two people: colours and names apart', () => {
  const people = new People();
  people.note('teacAAAA', 'Teacher');
  people.note('teacBBBB', 'Teacher'); // a spoofer: the teacher's shown characters and name
  assert.equal(people.list().length, 2);
  assert.ok(!same(people.colour('teacAAAA'), people.colour('teacBBBB')));
  people.note('teacBBBB', 'Not the teacher');
  assert.equal(people.name('teacAAAA'), 'Teacher');
  assert.ok(matchesPerson({ person: 'teacAAAA' }, 'person:teacAAAA', 'meme1234'));
  assert.ok(!matchesPerson({ person: 'teacBBBB' }, 'person:teacAAAA', 'meme1234'));
});

test('the n-th person takes slot n; one not yet seen shows the colour it would take next', () => {
  const people = new People();
  assert.deepEqual(people.colour('qwertyuiop'), slotColour(0));
  people.note('asdf1234');
  assert.deepEqual(people.colour('qwertyuiop'), slotColour(1));
  people.note('qwertyuiop');
  people.note('qwertyuiop', 'Q'); // seen again: the same slot
  assert.deepEqual(people.colour('qwertyuiop'), slotColour(1));
  assert.deepEqual(people.list().map((p) => p.slot), [0, 1]);
});

test('past SLOTS people, colours repeat', () => {
  const people = new People();
  for (const id of ids(SLOTS + 5)) people.note(id);
  assert.equal(people.list().length, SLOTS + 5);
  assert.deepEqual(people.colour(ids(SLOTS + 1)[SLOTS]), slotColour(0));
});

test('names: noted with the client, changed later, and bumping the version only on change', () => {
  const people = new People();
  people.note('abcd1234');
  const v = people.version;
  people.note('abcd1234', 'Ada');
  assert.equal(people.name('abcd1234'), 'Ada');
  assert.equal(people.version, v + 1);
  people.note('abcd1234', 'Ada');
  assert.equal(people.version, v + 1);
  // Shown by its first four characters, keyed by all eight.
  assert.equal(personLabel(people.byKey.get('abcd1234')), 'Ada (abcd)');
  assert.equal(personLabel({ key: 'wxyz5678', name: null }), 'client wxyz');
  assert.equal(people.note(null), null);
});

test('the client filter: everyone, mine, others, one person, all by public id', () => {
  // The page's own requests arrive whole (client: its own id), with its public id.
  const mine = { client: 'my-own-raw-id', person: 'meme1234' };
  const theirs = { client: 'abcd5678', person: 'abcd5678' };
  assert.ok(matchesPerson(mine, 'all', 'meme1234') && matchesPerson(theirs, 'all', 'meme1234'));
  assert.ok(matchesPerson(mine, 'me', 'meme1234') && !matchesPerson(theirs, 'me', 'meme1234'));
  assert.ok(!matchesPerson(mine, 'others', 'meme1234') && matchesPerson(theirs, 'others', 'meme1234'));
  assert.ok(matchesPerson(theirs, 'person:abcd5678', 'meme1234') && !matchesPerson(mine, 'person:abcd5678', 'meme1234'));
  assert.ok(!matchesPerson({ client: null, person: null }, 'person:abcd5678', 'meme1234'));
});

test('browsers in two words, noted once per person and shown in the label', () => {
  const linuxChrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
  const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
  assert.equal(browserOf(linuxChrome), 'Chrome on Linux');
  assert.equal(browserOf(iphone), 'Safari on iPhone');
  assert.equal(browserOf('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0'), 'Firefox on Windows');
  assert.equal(browserOf('curl/8.5.0'), 'curl');
  assert.equal(browserOf('python-requests/2.31.0 and a long tail'), 'python-requests/2.31.0 a');
  const people = new People();
  people.note('abcd1234', 'Ada', linuxChrome);
  people.note('abcd1234', null, iphone); // the first one seen stays
  assert.equal(people.browser('abcd1234'), 'Chrome on Linux');
  assert.equal(personLabel(people.byKey.get('abcd1234')), 'Ada (abcd), Chrome on Linux');
});

test('with no public id of its own (the server refused its client id), a page owns no row', () => {
  const anonymous = { client: null, person: null };
  const theirs = { client: 'abcd5678', person: 'abcd5678' };
  for (const me of [null, undefined]) {
    assert.equal(isMine(anonymous, me), false);
    assert.ok(!matchesPerson(anonymous, 'me', me) && !matchesPerson(theirs, 'me', me));
    assert.ok(matchesPerson(anonymous, 'others', me) && matchesPerson(theirs, 'others', me));
  }
  assert.ok(isMine({ person: 'meme1234' }, 'meme1234') && !isMine(anonymous, 'meme1234'));
});
