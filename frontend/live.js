// The live connection: the stream of the lab's events into the trace log, routed into
// a summary for the wiring, and the connection badge.

import { $ } from './dom.js';
import { createStream } from './stream.js';
import { routeEvents } from './event-router.js';
import { banner } from './notify.js';

export function createLive({ api, log, client, onRouted, onReconnected }) {
  const connection = $('#connection');
  return createStream({
    api,
    lastId: () => log.lastId,
    onEvents(events, live) {
      onRouted(routeEvents(log, events, { client, live, now: live ? performance.now() : null }), live);
    },
    onStatus(status) {
      if (status === 'live' && connection.dataset.state === 'reconnecting') onReconnected();
      connection.dataset.state = status;
      $('#connection-text').textContent = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' }[status] ?? status;
    },
    onDropped: () => banner('Some events were pushed out of the bounded hook log before this page caught up; older requests are missing from the timeline.'),
  });
}
