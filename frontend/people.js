// Who is in the lab: each client a colour of its own, on its rows and chip,
// and its display name. Pure. A client is known by its public id (`person`, 8
// characters the server derives from its client id: identity.py), which every viewer
// receives whole, so no one can pose as another by choosing a client id; the page shows
// its first four.

const HUES = 12; // 30° apart
const TONES = [44, 60, 36]; // lightness, %: a class of 30 still gets 30 distinct swatches
export const SLOTS = HUES * TONES.length;

export const SHOWN = 4; // characters of a public id shown: "client abcd"

/** A slot's colour; consecutive slots are 150° apart, so a pushed-on client looks different. */
export function slotColour(slot) {
  const s = ((slot % SLOTS) + SLOTS) % SLOTS;
  return { hue: ((s * 5) % HUES) * (360 / HUES), lightness: TONES[Math.floor(s / HUES)] };
}

/**
 * The people in the order the lab's log shows them, the n-th in slot n: every page that
 * read the same log agrees, and the first twelve differ in hue. Past SLOTS, colours repeat.
 */
export class People {
  constructor() {
    this.byKey = new Map(); // public id -> { key, slot, name, browser }
    this.version = 0;
  }

  /** Note a person by public id (its display name and User-Agent, when known); returns its entry. */
  note(key, name = null, agent = null) {
    if (!key) return null;
    let person = this.byKey.get(key);
    if (!person) {
      person = { key, slot: this.byKey.size % SLOTS, name: null, browser: null };
      this.byKey.set(key, person);
      this.version += 1;
    }
    if (agent && !person.browser) {
      person.browser = browserOf(agent);
      this.version += 1;
    }
    if (name && name !== person.name) {
      person.name = name;
      this.version += 1;
    }
    return person;
  }

  /** A person's colour: its slot once seen, else the one it would take next. */
  colour(key) {
    return slotColour(this.byKey.get(key)?.slot ?? this.byKey.size);
  }

  name(key) {
    return this.byKey.get(key)?.name ?? null;
  }

  browser(key) {
    return this.byKey.get(key)?.browser ?? null;
  }

  /** Everyone seen, in order of arrival. */
  list() {
    return [...this.byKey.values()];
  }
}

/** CSS custom properties for a client's colour (style.css: .swatch, .row). */
export function colourStyle({ hue, lightness }) {
  return { '--hue': String(hue), '--lit': `${lightness}%` };
}

/** Whether `trace` is this page's: never when it has no public id (its requests' person is null too). */
export const isMine = (trace, me) => me != null && trace.person === me;

/** The client filter: 'all', 'me', 'others', or 'person:<public id>' (one person); `me`: this page's public id. */
export function matchesPerson(trace, choice, me) {
  if (choice === 'me') return isMine(trace, me);
  if (choice === 'others') return !isMine(trace, me);
  if (choice?.startsWith('person:')) return trace.person === choice.slice(7);
  return true;
}

/** How a person is labelled to others: the display name, else `client abcd`; and the browser. */
export function personLabel(person) {
  const shown = person.key.slice(0, SHOWN);
  const who = person.name ? `${person.name} (${shown})` : `client ${shown}`;
  return person.browser ? `${who}, ${person.browser}` : who;
}

const BROWSERS = [['Edg/', 'Edge'], ['OPR/', 'Opera'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari'], ['curl/', 'curl']];
const SYSTEMS = [['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Windows', 'Windows'], ['Mac OS X', 'macOS'], ['Linux', 'Linux']];

/** A User-Agent in two words ("Chrome on Linux"), so a teacher can tell the class's browsers apart. */
export function browserOf(agent) {
  const browser = BROWSERS.find(([mark]) => agent.includes(mark))?.[1];
  const system = SYSTEMS.find(([mark]) => agent.includes(mark))?.[1];
  if (!browser) return agent.slice(0, 24);
  return system ? `${browser} on ${system}` : browser;
}
