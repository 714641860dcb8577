// The top bar: the lab id, who this browser is, copy the link, start a new lab.

import { $, h, fill } from './dom.js';
import { clientHue, clientName } from './format.js';
import { newLab } from './lab-session.js';

export function createTopbar({ lab, client, toast }) {
  $('#lab-id').textContent = lab;
  const me = $('#me-chip');
  me.style.setProperty('--hue', clientHue(client));
  fill(me, h('span', { class: 'swatch', 'aria-hidden': 'true' }), clientName(client));
  me.title = `X-Client-Id: ${client}`;
  $('#copy-link').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      toast('Lab link copied. Open it in another browser to watch this lab.');
    } catch {
      toast(`Copy this link: ${location.href}`);
    }
  });
  $('#new-lab').addEventListener('click', newLab);
  return {
    update(state) {
      if (state.server?.flask_version) $('#flask-version').textContent = `Flask ${state.server.flask_version}`;
    },
  };
}
