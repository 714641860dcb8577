// Re-reading /api/state (and, when asked, the comments): coalesced, so a burst of
// actions and stream events costs one round trip in flight and at most one after it.
// Pure: `load({comments})` does the reading; timers and the clock can be injected.

export function createRefresher({ load, onError = () => {}, now = () => performance.now(), soonMs = 150, mineWindowMs = 300 }) {
  let running = null;
  let again = false;
  let wantComments = true;
  let lastAt = -Infinity;
  let soonTimer = null;
  let quiet = 0; // quietly() calls running: the stream's refreshes wait for them
  let deferred = false;

  function refresh({ comments = false } = {}) {
    wantComments ||= comments;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        lastAt = now();
        const withComments = wantComments;
        wantComments = false;
        await load({ comments: withComments });
      } while (again);
    })().catch(onError).finally(() => {
      running = null;
    });
    return running;
  }

  /**
   * A refresh prompted by the stream: another client's change, or this client's in
   * another tab. This page's own actions refresh as they finish, so an event from this
   * client right after such a refresh needs none.
   */
  function refreshSoon({ comments = false, mine = false } = {}) {
    const requestedAt = now();
    if (mine && requestedAt - lastAt < mineWindowMs) return;
    wantComments ||= comments;
    clearTimeout(soonTimer);
    soonTimer = setTimeout(() => {
      if (quiet) deferred = true;
      else if (lastAt < requestedAt || wantComments) refresh();
    }, soonMs);
  }

  /**
   * Run `fn` (a lesson's requests) with no refresh of the stream's in between, so the
   * first request after one of fn's is fn's own read. Replaying an expired session is
   * the case: the server deletes the copy on the first request that carries it, and a
   * read the stream prompted got there first on a busy machine (CI): the lesson then
   * read a state without the copy and said it was never sent.
   */
  async function quietly(fn) {
    quiet += 1;
    clearTimeout(soonTimer);
    try {
      if (running) await running;
      return await fn();
    } finally {
      quiet -= 1;
      if (!quiet && deferred) {
        deferred = false;
        refresh();
      }
    }
  }

  return { refresh, refreshSoon, quietly };
}
