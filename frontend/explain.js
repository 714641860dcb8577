// The explanations' bodies (explain.html), put into their <details> when one is first
// opened: static text of our own, parsed as HTML once (no user text ever reaches it).

let loading = null;

export function fillExplanations() {
  loading ??= fetch(new URL('./explain.html', import.meta.url)).then((res) => res.text()).then((html) => {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    for (const part of doc.querySelectorAll('[data-explain]')) {
      document.querySelector(`details[data-explain="${part.dataset.explain}"]`)?.append(...part.childNodes);
    }
  });
  return loading;
}
