// Side by side: what page JavaScript sees (document.cookie) and what the server
// received (/api/state), the signed session taken apart, the server-side session.

import { h, fill } from './dom.js';
import { formatAge, formatCountdown, prettyJson } from './format.js';
import { splitSignedCookie } from './signed-session.js';
import { MECHANISMS } from './mechanisms.js';
import { cookieFlags, receivedCookies } from './cookies.js';

// The mechanisms' cookies come first, whether set or not.
const KNOWN = Object.values(MECHANISMS).map((m) => ({ name: m.cookie, httpOnly: m.httpOnly }));

function who(user) {
  return user === null || user === undefined
    ? h('span', { class: 'nobody' }, 'nobody')
    : h('strong', { class: 'user' }, user);
}

function expiryCell(expiry, now) {
  if (expiry === undefined) return h('span', { class: 'muted' }, '–');
  if (expiry === null) return h('span', { class: 'muted', title: 'No Max-Age or Expires: kept until the browser session ends' }, 'session');
  const cell = h('span', { class: 'ticking', 'data-expires-at': String(expiry) });
  showExpiry(cell, now);
  return cell;
}

function showExpiry(cell, now) {
  const left = Number(cell.dataset.expiresAt) - now;
  cell.textContent = left > 0 ? `in ${formatCountdown(left)}` : 'expired';
  cell.classList.toggle('expired', left <= 0);
}

/** "Signed at <date> (N s ago)": the age is the server's, then counted on by this page's clock. */
function signedAtCell(decoded) {
  const cell = h('dd', { 'data-signed-at': String(decoded.timestamp * 1000), 'data-aged-at': String(Date.now() - decoded.age_seconds * 1000) });
  showAge(cell, Date.now());
  return cell;
}

function showAge(cell, now) {
  const age = (now - Number(cell.dataset.agedAt)) / 1000;
  cell.textContent = `${new Date(Number(cell.dataset.signedAt)).toLocaleString()} (${formatAge(age)} ago)`;
}

/** Count the Expires cells down, and signing ages up, without re-rendering the inspector. */
export function tickExpiries(root, now) {
  for (const cell of root.querySelectorAll('[data-expires-at]')) showExpiry(cell, now);
  for (const cell of root.querySelectorAll('[data-aged-at]')) showAge(cell, now);
}

function cookieRows({ server, browser, expiries, setCookies, now, onDelete }) {
  const received = receivedCookies(server);
  const names = [...KNOWN.map((k) => k.name)];
  for (const c of browser) if (!names.includes(c.name)) names.push(c.name);
  for (const c of received) if (!names.includes(c.name)) names.push(c.name);
  return names.map((name) => {
    const known = KNOWN.find((k) => k.name === name);
    const seen = browser.find((c) => c.name === name);
    const copies = received.filter((c) => c.name === name);
    const got = copies[0];
    let pageCell;
    if (seen) pageCell = h('code', { class: 'value' }, seen.value);
    else if (got && known?.httpOnly) pageCell = h('span', { class: 'hidden-note' }, 'hidden: HttpOnly');
    else pageCell = h('span', { class: 'muted' }, 'not set');
    return h('tr', { dataset: { cookie: name, foreign: String(!known) } },
      h('th', { scope: 'row' }, h('code', {}, name),
        known?.httpOnly ? h('span', { class: 'flag', title: 'HttpOnly: invisible to document.cookie' }, 'HttpOnly') : null,
        known ? null : h('span', { class: 'flag foreign', title: 'This lab never sets this cookie: another app on this host did, or page JavaScript' }, 'not the lab\'s'),
        setCookies?.has(name) ? h('span', { class: 'flag attrs', title: 'As the last Set-Cookie for it said (lesson f)' },
          cookieFlags(setCookies.get(name).attributes).join(' ') || 'no SameSite') : null),
      h('td', { class: 'page-sees' }, pageCell),
      h('td', { class: 'server-got' }, got === undefined ? h('span', { class: 'muted' }, 'not sent')
        : copies.map((c) => h('code', { class: 'value', title: `${c.size} bytes` }, c.value))),
      h('td', {}, expiryCell(expiries.get(name)?.at, now)),
      h('td', {}, got !== undefined || seen
        ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': `Delete cookie ${name}`, title: `Delete ${name}`, onclick: () => onDelete(name) }, '✕')
        : null));
  });
}

/** Why a received cookie may not be what the lab set: one hint per distinct text. */
function cookieHints(server) {
  const received = receivedCookies(server);
  const hints = [...new Set(received.map((c) => c.hint).filter(Boolean))];
  const foreign = received.filter((c) => c.foreign).map((c) => c.name);
  return [
    foreign.length ? h('p', { class: 'hint', 'data-testid': 'foreign-cookies' },
      `Received, not set by this lab: ${[...new Set(foreign)].join(', ')}. Cookies ignore the port: every app on this host receives them.`) : null,
    hints.map((text) => h('p', { class: 'alert', 'data-testid': 'cookie-hint' }, text)),
  ];
}

function signedCookieParts(raw) {
  const parts = splitSignedCookie(raw);
  if (!parts) return h('code', { class: 'value' }, raw);
  return h('code', { class: 'signed-parts' },
    h('span', { class: 'part payload', title: 'payload: base64url JSON, readable by anyone' }, parts.payload),
    '.', h('span', { class: 'part stamp', title: 'timestamp' }, parts.timestamp),
    '.', h('span', { class: 'part sig', title: 'HMAC-SHA1 signature' }, parts.signature));
}

function signedSection(mech) {
  const decoded = mech?.decoded;
  if (!mech?.raw) {
    return h('p', { class: 'empty' }, 'No session cookie. Log in with Signed session to get one.');
  }
  const valid = decoded?.signature_valid;
  return h('div', { class: 'decoded' },
    signedCookieParts(mech.raw),
    h('p', { class: 'parts-legend', 'aria-hidden': 'true' },
      h('span', { class: 'part payload' }, 'payload'), ' . ', h('span', { class: 'part stamp' }, 'timestamp'), ' . ', h('span', { class: 'part sig' }, 'signature')),
    h('dl', { class: 'kv' },
      h('dt', {}, 'Signature'),
      h('dd', { 'data-testid': 'signature' }, valid
        ? h('span', { class: 'badge ok' }, 'valid')
        : h('span', { class: 'badge bad' }, `invalid${decoded?.problem ? ` (${decoded.problem})` : ''}`)),
      mech.verified_by ? [h('dt', {}, 'Verified by'),
        h('dd', { 'data-testid': 'verified-by' }, `the ${mech.verified_by.role === 'fallback' ? 'fallback' : 'signing'} key (fingerprint ${mech.verified_by.fingerprint})`)] : null,
      h('dt', {}, 'Signed at'),
      decoded?.timestamp ? signedAtCell(decoded) : h('dd', {}, '–'),
      h('dt', {}, 'Size'),
      h('dd', {}, `${mech.bytes ?? mech.raw.length} bytes`),
      h('dt', {}, 'Compressed'),
      h('dd', { 'data-testid': 'compressed' }, decoded?.compressed
        ? 'yes: zlib, so the value starts with "."'
        : 'no: zlib only when it makes the payload shorter (lesson e fills it)'),
      h('dt', {}, 'Payload'),
      h('dd', {}, decoded?.payload_text !== null && decoded?.payload_text !== undefined
        ? h('pre', { class: 'code', tabindex: '0', 'aria-label': 'Decoded session payload' }, prettyJson(decoded.payload))
        : h('span', { class: 'muted' }, 'not decodable'))),
    valid ? null : h('p', { class: 'alert' }, 'Flask rejected this cookie: the request got a new, empty session.'));
}

function serverSection(mech) {
  if (!mech?.sid) {
    return h('p', { class: 'empty' }, 'No server_session cookie. Log in with Server-side session to get one.');
  }
  return h('dl', { class: 'kv' },
    h('dt', {}, 'Session id'), h('dd', {}, h('code', { class: 'value' }, mech.sid)),
    h('dt', {}, 'Store'), h('dd', {}, mech.backend ?? '–'),
    h('dt', {}, 'On server'), h('dd', {}, mech.stored
      ? h('span', { class: 'badge ok' }, 'stored')
      : h('span', { class: 'badge bad' }, 'no data for this id')),
    h('dt', {}, 'Data'), h('dd', {}, mech.data
      ? h('pre', { class: 'code', tabindex: '0', 'aria-label': 'Server-side session data' }, prettyJson(mech.data))
      : h('span', { class: 'muted' }, 'none')));
}

export function renderInspector(root, { server, browser, rawDocumentCookie, expiries, setCookies, now, onDelete }) {
  if (!server) {
    fill(root, h('p', { class: 'empty' }, 'Loading state…'));
    return;
  }
  const mechs = server.mechanisms ?? {};
  fill(root,
    h('section', { class: 'block', 'aria-labelledby': 'who-h' },
      h('h3', { id: 'who-h' }, 'Who the server thinks you are'),
      h('table', { class: 'who' },
        h('tbody', {}, Object.entries(MECHANISMS).map(([key, { title: label }]) => h('tr', { dataset: { mechanism: key } },
          h('th', { scope: 'row' }, label),
          h('td', {}, who(mechs[key]?.user))))))),

    h('section', { class: 'block', 'aria-labelledby': 'jar-h' },
      h('h3', { id: 'jar-h' }, 'Cookies: page JavaScript vs server'),
      h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Cookies compared', tabindex: '0' },
        h('table', { class: 'jar', id: 'cookie-table' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Cookie'),
            h('th', { scope: 'col' }, 'document.cookie'),
            h('th', { scope: 'col' }, 'Server received'),
            h('th', { scope: 'col' }, 'Expires'),
            h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          h('tbody', {}, cookieRows({ server, browser, expiries, setCookies, now, onDelete })))),
      cookieHints(server),
      h('dl', { class: 'raw-pair' },
        h('dt', {}, h('code', {}, 'document.cookie')),
        h('dd', {}, h('code', { class: 'value', id: 'raw-document-cookie' }, rawDocumentCookie || '""')),
        h('dt', {}, 'Cookie header the server got'),
        h('dd', {}, h('code', { class: 'value', id: 'raw-cookie-header' }, server.cookie_header ?? '(none)')))),

    h('section', { class: 'block', 'aria-labelledby': 'signed-h' },
      h('h3', { id: 'signed-h' }, 'Signed session, decoded'),
      signedSection(mechs.session)),

    h('section', { class: 'block', 'aria-labelledby': 'server-h' },
      h('h3', { id: 'server-h' }, 'Server-side session'),
      serverSection(mechs['server-session'])),
  );
}
