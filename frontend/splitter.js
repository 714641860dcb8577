// The splitter between the request list and the details: drag it, or use the arrow
// keys (5 % a press; Home and End for the limits), as a WAI-ARIA window splitter.

const MIN = 15;
const MAX = 85;

/** The details' share of the panel (%) for a pointer at `y`, within the limits. Pure. */
export function shareAt(y, top, height) {
  const share = ((top + height - y) / height) * 100;
  return Math.round(Math.min(MAX, Math.max(MIN, share)));
}

export function createSplitter({ panel, handle }) {
  const set = (share) => {
    const value = Math.min(MAX, Math.max(MIN, share));
    panel.style.setProperty('--details-h', `${value}%`);
    handle.setAttribute('aria-valuenow', String(value));
  };
  const now = () => Number(handle.getAttribute('aria-valuenow'));
  handle.addEventListener('keydown', (e) => {
    const next = { ArrowUp: now() + 5, ArrowDown: now() - 5, Home: MAX, End: MIN }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    set(next);
  });
  handle.addEventListener('pointerdown', (e) => {
    handle.setPointerCapture(e.pointerId);
    const move = (ev) => {
      const box = panel.getBoundingClientRect();
      set(shareAt(ev.clientY, box.top, box.height));
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', () => handle.removeEventListener('pointermove', move), { once: true });
  });
}
