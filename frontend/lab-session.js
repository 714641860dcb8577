// Which lab this page is in and who this browser is: the client id kept in
// localStorage, the lab from ?lab= (or a fresh one when that lab is gone), and the
// lab's owner token when this browser made the lab or opened its teacher link.

import { createApi, createLab } from './api.js';
import { randomId } from './format.js';

const CLIENT_KEY = 'statelab.client';
const OWNER_PREFIX = 'statelab.owner.';

/** The owner token this browser keeps for `lab`, or null. */
export function ownerToken(storage, lab) {
  return storage.getItem(OWNER_PREFIX + lab) || null;
}

export function keepOwnerToken(storage, lab, token) {
  if (lab && token) storage.setItem(OWNER_PREFIX + lab, token);
}

/**
 * The teacher link `/?lab=<id>&owner=<token>`: the token is kept for that lab, and the
 * address to show instead (the same without `owner=`, so a copied link gives no one
 * the owner's powers). Null when the address carries no token.
 */
export function takeOwnerLink(storage, href) {
  const url = new URL(href);
  const token = url.searchParams.get('owner');
  if (token === null) return null;
  keepOwnerToken(storage, url.searchParams.get('lab'), token);
  url.searchParams.delete('owner');
  return `${url.pathname}${url.search}${url.hash}`;
}

/** This browser's client id; a stored one the server would ignore (labs.py CLIENT_ID: 8-64) is replaced. */
export function clientId(storage = localStorage) {
  let id = storage.getItem(CLIENT_KEY);
  if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
    id = randomId(12);
    storage.setItem(CLIENT_KEY, id);
  }
  return id;
}

/**
 * The lab, this browser's owner token for it (null: a participant), whether the server
 * agrees it owns it, and a notice for the banner.
 */
export async function resolveLab(client) {
  // The teacher link's token is kept, then removed from the address bar: a link copied
  // from there gives no one the owner's powers.
  const withoutToken = takeOwnerLink(localStorage, location.href);
  if (withoutToken) history.replaceState(null, '', withoutToken);
  const requested = new URLSearchParams(location.search).get('lab');
  if (requested) {
    const owner = ownerToken(localStorage, requested);
    const res = await createApi({ lab: requested, client, owner }).currentLab().send();
    if (res.ok) return { lab: requested, owner, isOwner: Boolean(res.data?.owner), notice: null, person: res.data?.person ?? null };
  }
  const created = await createLab(client);
  keepOwnerToken(localStorage, created.id, created.owner_token);
  history.replaceState(null, '', created.url ?? `/?lab=${created.id}`);
  const notice = requested
    ? 'That lab no longer exists (idle labs are evicted), so this is a fresh one. Share the new link.'
    : null;
  return { lab: created.id, owner: created.owner_token ?? null, isOwner: Boolean(created.owner_token), notice, person: created.person ?? null };
}

/** Leave this lab for a new one (this browser owns it). */
export async function newLab() {
  const created = await createLab();
  keepOwnerToken(localStorage, created.id, created.owner_token);
  location.assign(created.url ?? `/?lab=${created.id}`);
}
