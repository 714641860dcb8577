import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatAge, formatCountdown, statusClass, clientName, requestLine, isWerkzeugErrorPage } from '../format.js';

test('durations pick a readable unit', () => {
  assert.equal(formatDuration(0.0421), '0.04 ms');
  assert.equal(formatDuration(12.345), '12.3 ms');
  assert.equal(formatDuration(250.4), '250 ms');
  assert.equal(formatDuration(1503), '1.50 s');
  assert.equal(formatDuration(undefined), '–');
});

test('ages and countdowns', () => {
  assert.equal(formatAge(42.9), '42 s');
  assert.equal(formatAge(125), '2 min 5 s');
  assert.equal(formatAge(90000), '1 d 1 h');
  assert.equal(formatCountdown(2440), '2.4 s');
  assert.equal(formatCountdown(-5), '0.0 s');
  assert.equal(formatCountdown(61000), '1 min 1 s');
});

test('status classes', () => {
  assert.equal(statusClass(200), 'ok');
  assert.equal(statusClass(302), 'redirect');
  assert.equal(statusClass(401), 'client-error');
  assert.equal(statusClass(500), 'server-error');
  assert.equal(statusClass(undefined), 'pending');
});

test('clients get stable names', () => {
  assert.equal(clientName('ab12cd34'), 'client ab12');
  assert.equal(clientName(null), 'no client');
});

test('request lines', () => {
  assert.equal(requestLine({ path: '/api/slow', query: 'ms=1500' }), '/api/slow?ms=1500');
  assert.equal(requestLine({ path: '/api/state', query: '' }), '/api/state');
});

test('Werkzeug\'s default error page is told apart from an app\'s own HTML', () => {
  assert.equal(isWerkzeugErrorPage('<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>'), true);
  assert.equal(isWerkzeugErrorPage('<h1>Login failed!</h1>'), false);
  assert.equal(isWerkzeugErrorPage(undefined), false);
});
