// The live connection: the stream of the lab's events into the trace log, routed into
// a summary for the wiring, and the connection badge; what the first read lost to the
// bounded log, and a full lab read by polling, said plainly.

import { $ } from './dom.js';
import { createStream } from './stream.js';
import { routeEvents } from './event-router.js';
import { banner } from './notify.js';

const STATUS_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', polling: 'Polling (lab full)' };

export function createLive({ api, log, client, people, onRouted, onReconnected }) {
  const connection = $('#connection');
  let full = false;
  return createStream({
    api,
    lastId: () => log.lastId,
    onEvents(events, live) {
      onRouted(routeEvents(log, events, { client, live, people, now: live ? performance.now() : null }), live);
    },
    onStatus(status) {
      if (status === 'live' && connection.dataset.state === 'reconnecting') onReconnected();
      connection.dataset.state = status;
      $('#connection-text').textContent = STATUS_TEXT[status] ?? status;
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
    async onFull(viewers) {
      // null: the stream opened again after polling.
      if (viewers === null) {
        if (full) banner(null);
        full = false;
        return;
      }
      full = true;
      banner((await import('./workshop.js')).labFullText(viewers));
    },
  });
}
