// The live hook log: history first, then an EventSource that resumes after the last
// event seen. On any error the source is closed and reopened with a backoff, first
// catching up through GET /api/hooks, so a dropped connection loses nothing.
// A stream the server refuses for want of room (429: lab_full, too_many_streams,
// too_many_watched_labs) is replaced by polling the log, and tried again after the
// server's Retry-After.

const TYPES = ['request', 'step', 'end', 'clear', 'settings', 'comments', 'people', 'lab'];
// Capped at 0.8 s, jittered ±25% so a class does not return in one burst: a restarted
// server is back within a second or two and its pages must follow within 2 s.
const BACKOFF_MS = [300, 800];
const PAGE = 5000;
export const POLL_MS = 2000;
const FULL_RETRY_MS = 10_000; // the stream's Retry-After on these refusals
const POLLED = new Set(['lab_full', 'too_many_streams', 'too_many_watched_labs']);

/** Whether a refused stream's answer (api.probeStream) means: poll the log instead. */
export function pollsFor(refused) {
  return refused?.status === 429 && POLLED.has(refused.data?.error);
}

/** Whether the server's log ends before the last event this page saw: it restarted. */
export function restarted(seen, serverLast) {
  if (seen === null || seen === undefined) return false;
  return serverLast === null || serverLast === undefined || Number(serverLast) < Number(seen);
}

/**
 * Whether the server's log is another one than the page read (GET /api/hooks `epoch`,
 * the lab's creation time): the lab was made again. Ids alone cannot tell once the new
 * log has passed the page's last id, which a class's reconnecting pages do within a second.
 */
export function otherLog(known, told) {
  return known !== null && known !== undefined && told !== null && told !== undefined && told !== known;
}

export function createStream({ api, lastId, onEvents, onStatus, onDropped, onHistory, onFull, onRestart }) {
  let source = null;
  let timer = null;
  let poller = null;
  let attempt = 0;
  let first = true;
  let epoch = null; // the log the page's last id belongs to

  const status = (name) => onStatus(name);

  async function catchUp() {
    let droppedBefore = null; // on the page's first read: what the bounded log had lost
    for (let page = 0; page < 20; page += 1) {
      const res = await api.hooks(lastId(), PAGE).send();
      if (!res.ok || !res.data) throw new Error(`GET /api/hooks: HTTP ${res.status}`);
      if (restarted(lastId(), res.data.last_id) || otherLog(epoch, res.data.epoch)) {
        // The lab was made again with ids counting from 1: read it from its start.
        epoch = res.data.epoch ?? null;
        onRestart?.();
        page = -1;
        continue;
      }
      epoch = res.data.epoch ?? epoch;
      const { events, dropped } = res.data;
      if (first && page === 0 && onHistory) droppedBefore = res.data.dropped_before ?? 0;
      else if (dropped) onDropped();
      if (events.length) onEvents(events, false);
      if (events.length < PAGE) break;
    }
    if (first && onHistory) onHistory(droppedBefore);
    first = false;
  }

  async function connect() {
    timer = null;
    if (!poller) status(attempt === 0 ? 'connecting' : 'reconnecting');
    try {
      await catchUp();
    } catch {
      retry();
      return;
    }
    const es = new EventSource(api.streamUrl(lastId(), epoch));
    source = es;
    let opened = false;
    es.onopen = () => {
      opened = true;
      attempt = 0;
      stopPolling();
      status('live');
    };
    const handle = (e) => {
      try {
        onEvents([JSON.parse(e.data)], true);
      } catch {
        // A malformed message is skipped; the next catch-up fills any gap.
      }
    };
    for (const type of TYPES) es.addEventListener(type, handle);
    // The server's news (no id): its log began again, every event follows; or events
    // were pushed out of the bounded log before this page got them.
    es.addEventListener('reset', (e) => {
      epoch = parsed(e)?.epoch ?? epoch;
      onRestart?.();
    });
    es.addEventListener('gap', () => onDropped());
    es.onerror = async () => {
      if (source !== es) return;
      source = null;
      es.close();
      // EventSource hides a refused stream's answer: ask once what it was.
      const refused = opened || !api.probeStream ? null : await api.probeStream().catch(() => null);
      if (pollsFor(refused)) poll(refused.data);
      else retry();
    };
  }

  function parsed(e) {
    try {
      return JSON.parse(e.data);
    } catch {
      return null;
    }
  }

  /** Read the log every POLL_MS while the stream is refused; try it again later. */
  function poll(refusal) {
    onFull?.(refusal);
    status('polling');
    if (!poller) {
      poller = setInterval(() => catchUp().catch(() => {}), POLL_MS);
    }
    clearTimeout(timer);
    timer = setTimeout(connect, FULL_RETRY_MS);
  }

  function stopPolling() {
    if (!poller) return;
    clearInterval(poller);
    poller = null;
    onFull?.(null);
  }

  function drop() {
    if (source) {
      source.close();
      source = null;
    }
    retry();
  }

  function retry() {
    if (timer) return;
    if (!poller) status('reconnecting');
    const delay = poller ? FULL_RETRY_MS : BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] * (0.75 + Math.random() / 2);
    attempt += 1;
    timer = setTimeout(connect, delay);
  }

  function retryNow() {
    if (source) return;
    clearTimeout(timer);
    timer = null;
    connect();
  }

  window.addEventListener('online', retryNow);

  return {
    start: connect,
    drop,
  };
}
