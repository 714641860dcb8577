// Which lab this page is in and who this browser is: the client id kept in
// localStorage, the lab from ?lab= (or a fresh one when that lab is gone).

import { createApi, createLab } from './api.js';
import { randomId } from './format.js';

const CLIENT_KEY = 'statelab.client';

export function clientId() {
  let id = localStorage.getItem(CLIENT_KEY);
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    id = randomId(12);
    localStorage.setItem(CLIENT_KEY, id);
  }
  return id;
}

export async function resolveLab(client) {
  const requested = new URLSearchParams(location.search).get('lab');
  if (requested) {
    const res = await createApi({ lab: requested, client }).currentLab().send();
    if (res.ok) return { lab: requested, notice: null };
  }
  const created = await createLab();
  history.replaceState(null, '', created.url ?? `/?lab=${created.id}`);
  const notice = requested
    ? 'That lab no longer exists (idle labs are evicted), so this is a fresh one. Share the new link.'
    : null;
  return { lab: created.id, notice };
}

/** Leave this lab for a new one. */
export async function newLab() {
  const created = await createLab();
  location.assign(created.url ?? `/?lab=${created.id}`);
}
