// The top bar's tools, loaded when one is first pressed: the display-name dialog
// (PUT /api/me: what others see on this client's rows and chip; the server validates
// it and its message is shown as it says it), copying the lab's links, and Reset.

import { $, h } from './dom.js';

export async function copyLink(text, said, toast) {
  try {
    await navigator.clipboard.writeText(text);
    toast(said);
  } catch {
    toast(`Copy this link: ${text}`);
  }
}

export const copyLabLink = (lab, toast) => copyLink(`${location.origin}/?lab=${lab}`,
  'Lab link copied. Open it in another browser to watch this lab.', toast);

export const copyTeacherLink = (lab, owner, toast) => copyLink(`${location.origin}/?lab=${lab}&owner=${owner}`,
  'Teacher link copied: whoever opens it can change, clear and reset this lab. Share it only with co-teachers.', toast);

export async function resetLab(api, toast) {
  // A whole class's switches, key and log: worth one question (Clear for all asks none:
  // it only empties the log, and every timeline says who did it).
  if (!window.confirm('Reset this lab for everyone? Its switches and signing key go back to the defaults and its log is emptied (comments stay).')) return;
  const res = await api.resetLab().send();
  toast(res.ok ? 'The lab was reset: default switches, the server\'s key, an empty log.' : `Could not reset the lab (HTTP ${res.status}).`);
}

const MAX = 32;

function build() {
  const error = h('p', { class: 'alert', id: 'name-error', role: 'alert', hidden: true });
  const input = h('input', { id: 'name-input', name: 'name', maxlength: String(MAX), required: true, autocomplete: 'nickname', 'aria-describedby': 'name-hint name-error' });
  const dialog = h('dialog', { class: 'name-dialog', id: 'name-dialog', 'aria-labelledby': 'name-title' },
    h('form', { method: 'dialog', class: 'form' },
      h('h2', { id: 'name-title' }, 'Your name in this lab'),
      h('label', { class: 'field' }, 'Display name', input),
      h('p', { class: 'hint', id: 'name-hint' }, `Everyone in the lab sees it on your requests and your chip. 1 to ${MAX} characters.`),
      error,
      h('div', { class: 'buttons' },
        h('button', { type: 'submit', class: 'btn primary', value: 'save' }, 'Save'),
        h('button', { type: 'button', class: 'btn', onclick: () => dialog.close() }, 'Cancel'))));
  document.body.append(dialog);
  return { dialog, input, error };
}

export function askName({ api, current, onNamed }) {
  const { dialog, input, error } = $('#name-dialog') ? {
    dialog: $('#name-dialog'), input: $('#name-input'), error: $('#name-error'),
  } : build();
  input.value = current ?? '';
  error.hidden = true;
  dialog.onsubmit = async (e) => {
    e.preventDefault();
    const res = await api.putMe(input.value).send();
    if (res.ok && res.data?.name) {
      onNamed(res.data.name);
      dialog.close();
      return;
    }
    error.textContent = res.data?.message ?? `Could not save the name (HTTP ${res.status}).`;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };
  input.removeAttribute('aria-invalid');
  dialog.showModal();
}

const VIEWERS_EVERY_MS = 10_000;

/**
 * The owner's count of who watches (GET /api/hooks `viewers`): pages following the lab
 * live, and pages polling it because the lab is full. Read every 10 s (first once this
 * page's own stream is open), next to the role.
 */
export function watchViewers(api) {
  const out = h('span', { class: 'label', id: 'viewers', title: 'Pages following this lab live, and pages reading it every few seconds because it is full (counted by this server worker)' });
  $('#role').after(out);
  const read = async () => {
    const v = (await api.hooks(null, 1).send().catch(() => null))?.data?.viewers;
    if (v) out.textContent = `${v.live} live · ${v.polling} polling`;
  };
  setTimeout(read, 2000); // the page's own stream counted
  setInterval(read, VIEWERS_EVERY_MS);
}
