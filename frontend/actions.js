// Actions: each sends one API call (api.js describes it), shows its own feedback, then
// re-reads state. The feedback of one action never outlives the next one's.

import { responseMessage, statusText } from './format.js';

/** What an answer says to the learner: the body's message, or null when it has none. */
export function feedback(res) {
  if (!res) return { kind: 'error', text: 'Network error: the request did not reach the server.' };
  const msg = responseMessage(res);
  return { kind: res.ok ? 'ok' : 'error', text: msg ? `${res.status}: ${msg}` : null };
}

/** The one-line summary of an answer for the "last request" strip. */
export function lastRequestLine(call, res) {
  if (!res) return `${call.method} ${call.path}: did not reach the server`;
  const msg = responseMessage(res);
  return `${call.method} ${call.path} → ${res.status} ${statusText(res.status)}${msg ? `: ${msg}` : ''}`;
}

/**
 * act(call) sends and reports; traced(call) also resolves the request's finished trace.
 * `expectRequest(call)` is told before sending so the timeline can select its row.
 */
export function createActions({ waiters, client, refresh, onAnswer, expectRequest = () => {} }) {
  async function act(call, { comments = false } = {}) {
    expectRequest(call);
    let res = null;
    try {
      res = await call.send();
    } catch {
      res = null;
    }
    onAnswer(call, res);
    if (res) await refresh({ comments });
    return res;
  }

  async function traced(call) {
    const trace = waiters.wait({ client, method: call.method, path: call.path });
    const res = await act(call);
    return { res, trace: res ? await trace : null };
  }

  return { act, traced };
}
