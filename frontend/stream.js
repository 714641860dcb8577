// The live hook log: history first, then an EventSource that resumes after the last
// event seen. On any error the source is closed and reopened with a backoff, first
// catching up through GET /api/hooks, so a dropped connection loses nothing.
// A stream the server refuses for want of room (429: lab_full, too_many_streams,
// too_many_watched_labs) is replaced by polling the log, and tried again after the
// server's Retry-After.

const TYPES = ['request', 'step', 'end', 'clear', 'settings', 'comments', 'people', 'lab'];
// Capped at 0.8 s, jittered ±25% so a class does not return in one burst: a restarted
// server is back within a second or two, and its pages try again within a second
// (tests/stream.test.js; e2e/restart.spec.js notes how soon they are live: 0.1-1.3 s).
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

export function createStream(options) {
  const stream = new LiveStream(options);
  window.addEventListener('online', () => stream.retryNow());
  return {
    start: () => stream.connect(),
    drop: () => stream.drop(),
  };
}

function parsed(e) {
  try {
    return JSON.parse(e.data);
  } catch {
    return null;
  }
}

/** One page's connection to the lab's log: catch-up reads, the EventSource, backoff, polling. */
class LiveStream {
  constructor({ api, lastId, onEvents, onStatus, onDropped, onHistory, onFull, onRestart }) {
    this.api = api;
    this.lastId = lastId;
    this.on = { onEvents, onStatus, onDropped, onHistory, onFull, onRestart };
    this.source = null;
    this.timer = null;
    this.poller = null;
    this.attempt = 0;
    this.first = true;
    this.epoch = null; // the log the page's last id belongs to
  }

  status(name) {
    this.on.onStatus(name);
  }

  async catchUp() {
    const { onEvents, onDropped, onHistory, onRestart } = this.on;
    let droppedBefore = null; // on the page's first read: what the bounded log had lost
    for (let page = 0; page < 20; page += 1) {
      const res = await this.api.hooks(this.lastId(), PAGE).send();
      if (!res.ok || !res.data) throw new Error(`GET /api/hooks: HTTP ${res.status}`);
      if (restarted(this.lastId(), res.data.last_id) || otherLog(this.epoch, res.data.epoch)) {
        // The lab was made again with ids counting from 1: read it from its start.
        this.epoch = res.data.epoch ?? null;
        onRestart?.();
        page = -1;
        continue;
      }
      this.epoch = res.data.epoch ?? this.epoch;
      const { events, dropped } = res.data;
      if (this.first && page === 0 && onHistory) droppedBefore = res.data.dropped_before ?? 0;
      else if (dropped) onDropped();
      if (events.length) onEvents(events, false);
      if (events.length < PAGE) break;
    }
    if (this.first && onHistory) onHistory(droppedBefore);
    this.first = false;
  }

  async connect() {
    this.timer = null;
    if (!this.poller) this.status(this.attempt === 0 ? 'connecting' : 'reconnecting');
    try {
      await this.catchUp();
    } catch {
      this.retry();
      return;
    }
    this.open();
  }

  open() {
    const { onEvents, onDropped, onRestart } = this.on;
    const es = new EventSource(this.api.streamUrl(this.lastId(), this.epoch));
    this.source = es;
    let opened = false;
    es.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.stopPolling();
      this.status('live');
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
      this.epoch = parsed(e)?.epoch ?? this.epoch;
      onRestart?.();
    });
    es.addEventListener('gap', () => onDropped());
    es.onerror = async () => {
      if (this.source !== es) return;
      this.source = null;
      es.close();
      // EventSource hides a refused stream's answer: ask once what it was.
      const refused = opened || !this.api.probeStream ? null : await this.api.probeStream().catch(() => null);
      if (pollsFor(refused)) this.poll(refused.data);
      else this.retry();
    };
  }

  /** Read the log every POLL_MS while the stream is refused; try it again later. */
  poll(refusal) {
    this.on.onFull?.(refusal);
    this.status('polling');
    if (!this.poller) {
      this.poller = setInterval(() => this.catchUp().catch(() => {}), POLL_MS);
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), FULL_RETRY_MS);
  }

  stopPolling() {
    if (!this.poller) return;
    clearInterval(this.poller);
    this.poller = null;
    this.on.onFull?.(null);
  }

  drop() {
    if (this.source) {
      this.source.close();
      this.source = null;
    }
    this.retry();
  }

  retry() {
    if (this.timer) return;
    if (!this.poller) this.status('reconnecting');
    const delay = this.poller ? FULL_RETRY_MS : BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] * (0.75 + Math.random() / 2);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  retryNow() {
    if (this.source) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  }
}
