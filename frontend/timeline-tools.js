// The timeline's tools, loaded when first used: export HAR and JSON, import a trace
// file (shown read-only), the details' Copy as curl and Replay, and column sorting.

/** Save `text` as a file the browser downloads. */
function download(name, type, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export async function exportHar(e, { log, lab }) {
  const { buildHar } = await import('./har.js');
  download(`statelab-${lab ?? 'trace'}.har`, 'application/json', JSON.stringify(buildHar(log.order, { origin: location.origin }), null, 1));
}

export async function exportJson(e, { log, lab }) {
  const { exportTraces } = await import('./trace-file.js');
  download(`statelab-${lab ?? 'trace'}.json`, 'application/json', exportTraces(log, lab));
}

const MAX_FILE = 50_000_000; // far above the 4000 traces the log keeps

export async function importFile(e, { lab, toast, show }) {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  if (file.size > MAX_FILE) {
    toast('That file is over 50 MB: not a trace this page exported.');
    return;
  }
  const { importTraces } = await import('./trace-file.js');
  const { log: imported, lab: from, error } = importTraces(await file.text());
  if (error) {
    toast(`Not imported: ${error}`);
    return;
  }
  show(imported, `Imported from ${file.name}${from ? ` (lab ${from})` : ''}: ${imported.size} requests, not measured here. Read-only: ${lab ? 'this lab\'s' : 'the app\'s'} own requests are still recorded.`);
}

export async function detailsAction(e, { lab, api, toast, onReplay, selected }) {
  const action = e.target.closest('[data-action]')?.dataset.action;
  const trace = selected();
  if (!trace?.request) return;
  if (action === 'replay') {
    onReplay(api.resend(trace.request));
    return;
  }
  const { curlCommand } = await import('./curl.js');
  const command = curlCommand(trace, { origin: location.origin, lab });
  try {
    await navigator.clipboard.writeText(command);
    toast(`Copied as curl (with ${lab ? 'the lab header and ' : ''}the Cookie header).`);
  } catch {
    toast(`Copy this: ${command}`);
  }
}

/** A column's next sort after a click on `key`, its buttons marked to match. */
export function nextSort({ key, dir }, clicked) {
  const next = key !== clicked ? { key: clicked, dir: 'asc' } : dir === 'asc' ? { key, dir: 'desc' } : { key: null, dir: 'asc' };
  for (const b of document.querySelectorAll('[data-sort]')) {
    const on = b.dataset.sort === next.key;
    b.setAttribute('aria-pressed', String(on));
    b.dataset.dir = on ? next.dir : '';
    b.title = on ? `Sorted ${next.dir === 'asc' ? 'ascending' : 'descending'}; click again to ${next.dir === 'asc' ? 'reverse' : 'restore arrival order'}` : 'Sort by this column';
  }
  return next;
}

/** Clear for all: in a shared lab every viewer's timeline, for good, so asked first (as
 * Reset is); the trace page (no lab) is one developer's own log. */
export async function clearForAll(e, { api, toast, lab }) {
  if (lab && !window.confirm('Clear the log for everyone? Every viewer\'s timeline empties (and says you did it); comments and settings stay.')) return;
  const res = await api.clearHooks().send();
  if (!res.ok) toast(`Could not clear the log (HTTP ${res.status}).`);
}
