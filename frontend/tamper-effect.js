// What a document.cookie write did, said beside the form that made it: loaded on the
// first write, so the page's first load does not carry it.

import { $, h } from './dom.js';

/** The username pair page JavaScript now sees, and who the next request's server believes you are. Pure. */
export function usernameEffect(documentCookie, server) {
  const pair = documentCookie.split(';').map((p) => p.trim()).find((p) => p.startsWith('username='));
  const plain = server?.mechanisms?.cookie ?? {};
  const sent = plain.raw === null || plain.raw === undefined ? 'sent none' : 'sent it';
  return `document.cookie now holds ${pair ?? 'no username cookie'}. `
    + `The next request (GET /api/state) ${sent}: the server believes you are ${plain.user ?? 'nobody'}.`;
}

/** Write the effect under the form's button (a polite live region), in view. */
export function showUsernameEffect(form, server) {
  let out = $('#tamper-username-effect');
  if (!out) {
    out = h('p', { class: 'tamper-effect', id: 'tamper-username-effect', role: 'status' });
    form.querySelector('button').after(out);
  }
  out.textContent = usernameEffect(document.cookie, server);
  out.scrollIntoView({ block: 'nearest' });
}
