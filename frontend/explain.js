// The explanations' bodies (explain.html), put into their <details> when one is first
// opened: static text of our own, parsed as HTML once (no user text ever reaches it).
// A part whose section says more (a .rest) links the whole text.

import { h } from './dom.js';

let loading = null;

function moreLink(part) {
  const section = part.closest('section');
  if (!section?.querySelector(':scope > .rest')) return [];
  const href = `/static/explain.html#${section.id}`;
  return [h('p', { class: 'more' }, h('a', { href, target: '_blank', rel: 'noopener' }, 'More: the whole explanation'))];
}

export function fillExplanations() {
  loading ??= fetch(new URL('./explain.html', import.meta.url)).then((res) => res.text()).then((html) => {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    for (const part of doc.querySelectorAll('[data-explain]')) {
      // Right under the summary: a box may hold controls of its own after it.
      document.querySelector(`details[data-explain="${part.dataset.explain}"] > summary`)?.after(...part.childNodes, ...moreLink(part));
    }
  });
  return loading;
}
