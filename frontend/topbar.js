// The top bar: the lab id, who this browser is (its colour, name and role), the lab's
// link and, for its owner, the teacher link, Reset and how many watch (lab-tools.js, loaded on use).

import { $, h, fill } from './dom.js';
import { clientName } from './format.js';
import { colourStyle } from './people.js';
import { newLab } from './lab-session.js';

// `person`: this page's public id (identity.py), what every page knows it by.
export function createTopbar({ lab, client, person, owner, isOwner, people, api, toast }) {
  const tools = (use) => async () => use(await import('./lab-tools.js'));
  $('#lab-id').textContent = lab;
  $('#role').textContent = isOwner ? 'owner' : 'participant';
  $('#role').dataset.role = isOwner ? 'owner' : 'participant';
  $('#copy-link').addEventListener('click', tools((t) => t.copyLabLink(lab, toast)));
  $('#teacher-link').hidden = !isOwner || !owner;
  $('#teacher-link').addEventListener('click', tools((t) => t.copyTeacherLink(lab, owner, toast)));
  $('#reset-lab').addEventListener('click', tools((t) => t.resetLab(api, toast)));
  $('#new-lab').addEventListener('click', newLab);
  $('#set-name').addEventListener('click', tools((t) => t.askName({
    api, current: people.name(person), onNamed: (name) => {
      people.note(person, name);
      drawMe();
    },
  })));

  function drawMe() {
    const me = $('#me-chip');
    for (const [name, value] of Object.entries(colourStyle(people.colour(person)))) me.style.setProperty(name, value);
    fill(me, h('span', { class: 'swatch', 'aria-hidden': 'true' }), people.name(person) ?? clientName(person));
    me.title = `Others see you as ${person ?? 'no one'} (your X-Client-Id, ${client}, is never shown to them)`;
  }
  drawMe();
  if (isOwner) tools((t) => t.watchViewers(api))();

  return {
    drawMe,
    update(state) {
      if (state.server?.flask_version) $('#flask-version').textContent = `Flask ${state.server.flask_version}`;
    },
  };
}
