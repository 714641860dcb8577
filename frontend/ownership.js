// What a participant's page shows of the owner's powers (issue 10): the owner-only
// controls disabled, each described by one plain explanation. The server refuses them
// anyway (403 owner_only); this says why before anyone tries.

import { $, $$ } from './dom.js';
import { OWNER_ONLY_NOTE } from './workshop.js';

/** The lab's switches, the signing-key buttons and Clear log. */
const OWNER_ONLY = '[data-owner-only], [data-setting]';

export function showOwnership(isOwner) {
  const note = $('#owner-note');
  note.hidden = isOwner;
  note.textContent = isOwner ? '' : OWNER_ONLY_NOTE;
  document.documentElement.dataset.owner = String(isOwner);
  for (const el of $$(OWNER_ONLY)) {
    el.disabled = !isOwner;
    if (isOwner) {
      el.removeAttribute('aria-describedby');
      el.removeAttribute('title');
    } else {
      el.setAttribute('aria-describedby', 'owner-note');
      el.title = OWNER_ONLY_NOTE;
    }
  }
}
