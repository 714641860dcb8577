// Where the page talks back: the toast (one action's message, replaced by the next
// action's), the banner (the lab itself is in trouble), and re-focusing after a re-render.

import { $, $$ } from './dom.js';

let toastTimer = null;

/** Show `message`, or hide the current toast when the new answer has none to say. */
export function toast(message) {
  const el = $('#toast');
  clearTimeout(toastTimer);
  el.textContent = message ?? '';
  el.classList.toggle('show', Boolean(message));
  if (message) toastTimer = setTimeout(() => el.classList.remove('show'), 3500);
}

/** The compact "last request" strip: the answer to the last action, replaced by the next. */
export function lastRequest(text, kind) {
  const el = $('#last-request');
  el.hidden = false;
  el.textContent = text;
  el.dataset.kind = kind;
}

export function banner(message) {
  const el = $('#banner');
  el.hidden = !message;
  el.textContent = message ?? '';
}

/** Re-focus an equivalent control after a view re-renders under the keyboard user. */
export function keepFocus(root, renderFn) {
  const active = document.activeElement;
  const key = active && root.contains(active) ? active.getAttribute('aria-label') ?? active.id : null;
  renderFn();
  if (!key) return;
  const again = $$('[aria-label], [id]', root).find((el) => (el.getAttribute('aria-label') ?? el.id) === key);
  if (again) again.focus();
}
