// The live hook log: history first, then an EventSource that resumes after the last
// event seen. On any error the source is closed and reopened with a backoff, first
// catching up through GET /api/hooks, so a dropped connection loses nothing.

const TYPES = ['request', 'step', 'end', 'clear'];
const BACKOFF_MS = [300, 1000, 2000, 4000];
const PAGE = 5000;

export function createStream({ api, lastId, onEvents, onStatus, onDropped }) {
  let source = null;
  let timer = null;
  let attempt = 0;

  const status = (name) => onStatus(name);

  async function catchUp() {
    for (let page = 0; page < 20; page += 1) {
      const res = await api.hooks(lastId(), PAGE).send();
      if (!res.ok || !res.data) throw new Error(`GET /api/hooks: HTTP ${res.status}`);
      const { events, dropped } = res.data;
      if (dropped) onDropped();
      if (events.length) onEvents(events, false);
      if (events.length < PAGE) return;
    }
  }

  async function connect() {
    timer = null;
    status(attempt === 0 ? 'connecting' : 'reconnecting');
    try {
      await catchUp();
    } catch {
      retry();
      return;
    }
    const es = new EventSource(api.streamUrl(lastId()));
    source = es;
    es.onopen = () => {
      attempt = 0;
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
    es.onerror = () => {
      if (source !== es) return;
      drop();
    };
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
    status('reconnecting');
    const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
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
