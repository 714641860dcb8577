// Countdowns tick every 200 ms; when a cookie's lifetime runs out the browser has
// dropped it, so state is re-read (again, briefly, while the browser's own clock,
// which may lag the page's, still sends it).

import { receivedValue } from './cookies.js';

export function startCountdowns({ clock, getState, refresh, onTick }) {
  const recheck = (name, tries = 0) => setTimeout(async () => {
    await refresh();
    if (receivedValue(getState().server, name) !== undefined && tries < 4) recheck(name, tries + 1);
  }, tries ? 500 : 250);
  return setInterval(() => {
    const now = Date.now();
    clock.due(now).forEach((name) => recheck(name));
    onTick(now);
  }, 200);
}
