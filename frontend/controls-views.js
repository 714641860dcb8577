// The left panel's lists, loaded with the first comment or response to show: the
// lab's comments and the last response.

import { h, fill } from './dom.js';
import { MECHANISMS } from './mechanisms.js';
import { colourStyle } from './people.js';
import { clientName, formatClock, isWerkzeugErrorPage, responseMessage, statusClass, statusText } from './format.js';

const SHOWN_COMMENTS = 50;

/**
 * The comments list, each drawn once (by id): a burst of comment events appends a few
 * items, never rebuilds the list nor reads layout. The list keeps to its end by CSS
 * (style.css: .comments-box). Each shows who posted it (`by`: chip, display name) and
 * the account it was posted as; all redrawn when a name or colour is learned.
 */
export function createComments(list, people, me) {
  const drawn = new Map(); // comment id -> its <li>
  let seen = null;
  let peopleSeen = null;
  return (comments) => {
    if (comments === seen && people.version === peopleSeen) return;
    if (people.version !== peopleSeen) {
      drawn.clear();
      list.replaceChildren();
      peopleSeen = people.version;
    }
    seen = comments;
    const shown = (comments ?? []).slice(-SHOWN_COMMENTS);
    const keep = new Set(shown.map((c) => c.id));
    for (const [id, li] of drawn) {
      if (!keep.has(id)) {
        li.remove();
        drawn.delete(id);
      }
    }
    if (!shown.length) fill(list, h('li', { class: 'empty' }, 'No comments yet.'));
    else list.querySelector('.empty')?.remove();
    for (const c of shown) {
      if (drawn.has(c.id)) continue;
      drawn.set(c.id, commentItem(c, people, me));
      list.append(drawn.get(c.id));
    }
  };
}

function commentItem(c, people, me) {
  const key = c.by?.client ?? null;
  const poster = key && h('span', { class: 'client-chip poster', title: `Posted by ${key}` },
    h('span', { class: 'swatch', 'aria-hidden': 'true' }),
    key === me ? 'you' : people.name(key) ?? c.by.name ?? clientName(key));
  if (poster) for (const [name, value] of Object.entries(colourStyle(people.colour(key)))) poster.style.setProperty(name, value);
  return h('li', { class: 'comment' },
    h('div', { class: 'comment-meta' },
      poster,
      h('span', { class: poster ? 'muted' : null }, poster ? 'as ' : null, h('strong', { class: 'author' }, c.author)),
      h('span', { class: `mech m-${c.mechanism}` }, MECHANISMS[c.mechanism]?.label ?? c.mechanism),
      h('time', {}, formatClock(c.time))),
    h('p', { class: 'comment-text' }, c.text));
}

let renderedResponse = null;

export function renderResponse(res) {
  if (!res || res === renderedResponse) return;
  renderedResponse = res;
  const body = res.data ? JSON.stringify(res.data, null, 2) : (res.text || '(empty body)');
  const message = responseMessage(res);
  fill(document.querySelector('#last-response'),
    h('p', { class: 'response-line' },
      h('span', { class: 'method' }, res.method), ' ', h('code', {}, res.path), ' → ',
      h('span', { class: `status-badge ${statusClass(res.status)}` },
        `${res.status} ${statusText(res.status)}`)),
    message ? h('p', { class: 'response-msg' }, message) : null,
    res.type.includes('html') ? h('p', { class: 'hint' }, isWerkzeugErrorPage(res.text)
      ? 'An HTML page: Werkzeug\'s default error page, shown here as text.'
      : 'An HTML page, shown here as text.') : null,
    h('pre', { class: 'code', tabindex: '0', 'aria-label': 'Response body' }, body.length > 3000 ? `${body.slice(0, 3000)}…` : body));
}
