// The live connection: the stream of the lab's events into the trace log, routed into
// a summary for the wiring, and the connection badge; what the first read lost to the
// bounded log, and a lab read by polling when the server refuses its stream, said plainly.

import { $ } from './dom.js';
import { createStream } from './stream.js';
import { routeEvents } from './event-router.js';
import { banner } from './notify.js';

const STATUS_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

/** The connection badge while polling: the lab is full, or the server is. */
function pollingStatus(refused) {
  return refused?.error === 'lab_full' ? 'Polling (lab full)' : 'Polling (server busy)';
}

export function createLive({ api, log, client, people, onRouted, onReconnected }) {
  const connection = $('#connection');
  let refusal = null; // why the stream was refused, while the page polls
  return createStream({
    api,
    lastId: () => log.lastId,
    onEvents(events, live) {
      onRouted(routeEvents(log, events, { client, live, people, now: live ? performance.now() : null }), live);
    },
    onStatus(status) {
      if (status === 'live' && connection.dataset.state === 'reconnecting') onReconnected();
      connection.dataset.state = status;
      $('#connection-text').textContent = status === 'polling' ? pollingStatus(refusal) : STATUS_TEXT[status] ?? status;
    },
    onRestart() {
      // The rows already drawn stay; the lab's new log (ids from 1 again) follows them.
      log.lastId = null;
      banner('The server restarted and made this lab again under the same link: everyone '
        + 'with it is still together. Its log starts afresh, and its settings are the defaults again.');
    },
    onDropped: () => banner('Some events were pushed out of the bounded hook log before this page caught up; older requests are missing from the timeline.'),
    async onHistory(dropped) {
      if (!dropped) return;
      const { droppedText } = await import('./workshop.js');
      $('#history-note').textContent = droppedText(log.size, dropped);
      $('#history-note').hidden = false;
    },
    async onFull(refused) {
      // null: the stream opened again after polling.
      if (refused === null) {
        if (refusal) banner(null);
        refusal = null;
        return;
      }
      refusal = refused;
      banner((await import('./workshop.js')).refusedText(refused));
    },
  });
}
