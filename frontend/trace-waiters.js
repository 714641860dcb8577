// Promises for "the trace of the request I am about to send, once it has ended", so a
// lesson can read what Flask did. Pure: fed finished traces by the wiring.

export class TraceWaiters {
  constructor({ timeoutMs = 10_000 } = {}) {
    this.timeoutMs = timeoutMs;
    this.pending = [];
  }

  /** Call before sending: the first matching trace that ends after this call, or null after the timeout. */
  wait({ client, method, path }) {
    return new Promise((resolve) => {
      const entry = { client, method, path, resolve };
      entry.timer = setTimeout(() => this.settle(entry, null), this.timeoutMs);
      this.pending.push(entry);
    });
  }

  /** A trace just ended: hand it to the oldest waiter it matches. */
  ended(trace) {
    const r = trace.request;
    if (!r) return;
    const entry = this.pending.find((w) => w.client === trace.client && w.method === r.method && w.path === r.path);
    if (entry) this.settle(entry, trace);
  }

  settle(entry, trace) {
    const i = this.pending.indexOf(entry);
    if (i === -1) return;
    this.pending.splice(i, 1);
    clearTimeout(entry.timer);
    entry.resolve(trace);
  }
}
