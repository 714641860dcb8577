// Present mode, for a projector: the timeline alone, its rows large enough to read from
// the back of a room (present.css). Loaded when first turned on: by its button, the P
// key, `?present=1` in the URL, or because it was on when this browser last left it.

const KEY = 'statelab.present';
const ROW_PX = 44; // at 1280x720, 12 rows and more below the top bar and the heads

let sheet = null;

/** Load present.css once; resolves when it applies, so rows are measured at their size. */
function loadSheet() {
  sheet ??= new Promise((done) => {
    const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/static/present.css' });
    link.onload = done;
    link.onerror = done;
    document.head.append(link);
  });
  return sheet;
}

/** Whether present mode is wanted: the URL says (`present=0` is off), else as last left. */
export function wanted(search = location.search, stored = localStorage.getItem(KEY)) {
  const asked = new URLSearchParams(search).get('present');
  if (asked !== null) return asked !== '0' && asked !== 'false';
  return stored === '1';
}

/**
 * Turn present mode on or off: `how` 'toggle' (its button), 'key' (a P pressed outside
 * any field, `e` its event), or undefined (as `wanted()` says).
 */
export async function setPresent(how, timeline, e = null) {
  if (how === 'key' && (e.ctrlKey || e.metaKey || e.altKey || e.target.closest?.('input, select, textarea, dialog'))) return;
  const on = how === undefined ? wanted() : !document.documentElement.classList.contains('present');
  if (on) await loadSheet();
  document.documentElement.classList.toggle('present', on);
  const button = document.querySelector('#present');
  button.setAttribute('aria-pressed', String(on));
  button.textContent = on ? 'Exit present' : 'Present';
  if (on) localStorage.setItem(KEY, '1');
  else localStorage.removeItem(KEY);
  timeline.setRowHeight(on ? ROW_PX : null);
}
