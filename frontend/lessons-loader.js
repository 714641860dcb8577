// The Lessons area loads its code (about 25 KB) only when a lesson is first opened, with
// a dynamic import(): most visits never open one, and the page stays light without a
// build step. A click inside a lesson before its code has arrived is replayed after.

import { $$ } from './dom.js';

/** Links to a lesson (#lesson-...) open it; so does an address ending in one ("try this in a lab of my own"). */
function openLinkedLessons() {
  const target = location.hash.startsWith('#lesson-') ? document.getElementById(location.hash.slice(1)) : null;
  if (target?.matches('details')) {
    target.open = true;
    target.scrollIntoView({ block: 'start' });
  }
  document.addEventListener('click', (e) => {
    const link = e.target.closest?.('a[href^="#lesson-"]');
    const lesson = link && document.getElementById(link.getAttribute('href').slice(1));
    if (lesson) lesson.open = true;
  });
}

/**
 * The lessons' bodies (lessons.html, static text of our own) into their details
 * (`data-body`); a participant's owner-only buttons among them are disabled as the
 * page's own are (ownership.js).
 */
async function fillBodies() {
  const html = await (await fetch(new URL('./lessons.html', import.meta.url))).text();
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const part of doc.querySelectorAll('[data-body]')) {
    document.querySelector(`details[data-body="${part.dataset.body}"]`)?.append(...part.childNodes);
  }
  if (document.documentElement.dataset.owner === 'false') (await import('./ownership.js')).showParticipant();
}

/** The parts of the page whose buttons lessons.js binds are marked `data-lessons`. */
export function createLessonsLoader(ctx) {
  const roots = $$('[data-lessons]');
  let lessons = null;
  let loading = null;
  let held = null;

  function load() {
    loading ??= fillBodies().then(() => import('./lessons.js')).then(({ createLessons }) => {
      lessons = createLessons(ctx);
      for (const root of roots) root.dataset.loaded = 'true';
      lessons.update(ctx.getState());
      held?.click();
      held = null;
    });
    return loading;
  }

  openLinkedLessons();
  // `toggle` does not bubble: listen in the capture phase.
  for (const root of roots) root.addEventListener('toggle', (e) => e.target.open && load(), true);
  document.addEventListener('click', (e) => {
    if (lessons || !e.target.closest?.('[data-lessons]') || e.target.closest('summary')
      || !e.target.closest('button, input[type="submit"]')) return;
    e.preventDefault();
    e.stopPropagation();
    held = e.target.closest('button, input[type="submit"]');
    load();
  }, true);
  if (roots.some((root) => $$('details', root).concat(root).some((d) => d.open))) load();

  return {
    update(state) {
      lessons?.update(state);
    },
  };
}
