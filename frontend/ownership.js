// A participant's page: the owner-only controls disabled, each described by
// index.html's #owner-note. The server refuses them anyway (403 owner_only).

import { $, $$ } from './dom.js';

/** The lab's switches, the signing-key buttons, Clear for all and Reset lab. */
const OWNER_ONLY = '[data-owner-only], [data-setting]';

export function showParticipant() {
  const note = $('#owner-note');
  note.hidden = false;
  document.documentElement.dataset.owner = 'false';
  for (const el of $$(OWNER_ONLY)) {
    el.disabled = true;
    el.setAttribute('aria-describedby', 'owner-note');
    el.title = note.textContent;
  }
}
