// Wiring only: the lab and client, the stream into the trace log, actions into the API,
// and state into the views. Each part lives in its own module; api.js makes every API
// call (explain.js and lessons-loader.js fetch their HTML, workshop.js probes a stream).

import { createApi } from './api.js';
import { clientId, resolveLab } from './lab-session.js';
import { TraceLog } from './trace-log.js';
import { createLive } from './live.js';
import { createRefresher } from './refresher.js';
import { createActions, feedback, lastRequestLine } from './actions.js';
import { CookieClock } from './cookie-clock.js';
import { startCountdowns } from './countdowns.js';
import { createTimelinePanel } from './timeline-panel.js';
import { renderInspector, tickExpiries } from './inspector.js';
import { createControls } from './controls.js';
import { createTamper } from './tamper.js';
import { createTopbar } from './topbar.js';
import { createLessonsLoader } from './lessons-loader.js';
import { TraceWaiters } from './trace-waiters.js';
import { People } from './people.js';
import { mergeComments } from './event-router.js';
import { MECHANISMS } from './mechanisms.js';
import { parseCookies } from './cookies.js';
import { banner, keepFocus, lastRequest, toast } from './notify.js';
import { $ } from './dom.js';

const MECHANISM_KEY = 'statelab.mechanism';
const savedMechanism = () => (MECHANISMS[sessionStorage.getItem(MECHANISM_KEY)] ? sessionStorage.getItem(MECHANISM_KEY) : 'cookie');

// The explanations' text loads when one is first opened (explain.js).
document.addEventListener('toggle', (e) => {
  if (e.target.matches?.('details[data-explain]') && e.target.open) import('./explain.js').then((m) => m.fillExplanations());
}, true);

async function start() {
  const client = clientId();
  const { lab, owner, isOwner, notice, person } = await resolveLab(client);
  banner(notice);
  // A participant's owner-only controls are disabled, with the reason (loaded only then).
  if (!isOwner) (await import('./ownership.js')).showParticipant();
  await new Page({ lab, client, owner, isOwner, person }).run();
}

/** The lab's page: its parts, made in order, and the state they draw. */
class Page {
  constructor({ lab, client, owner, isOwner, person }) {
    Object.assign(this, { lab, client, owner, isOwner, person });
    this.api = createApi({ lab, client, owner });
    this.log = new TraceLog();
    this.clock = new CookieClock();
    this.waiters = new TraceWaiters();
    this.state = {
      mechanism: savedMechanism(), server: null, comments: null, lastResponse: null, browser: [],
      rawDocumentCookie: '', expiries: this.clock.expiries, setCookies: this.clock.setCookies, now: Date.now(),
    };
    this.getState = () => this.state;
    this.people = new People(); // in the lab log's order: the same colours on every page
    this.peopleSeen = this.people.version;
    this.queued = false;
    this.makeViews();
    this.makeRefresher();
    this.makeActions();
    this.makeControls();
    const { api, refresh, quietly, getState } = this;
    const { act, traced } = this.actions;
    this.tamper = createTamper({ api, act, refresh, getState });
    this.lessons = createLessonsLoader({ api, act, traced, refresh, quietly, getState });
    this.makeLive();
    this.startCountdowns();
  }

  makeViews() {
    const { lab, client, person, owner, isOwner, people, api, log } = this;
    this.topbar = createTopbar({ lab, client, person, owner, isOwner, people, api, toast });
    // The details panel's Replay is an action like any other (actions is made just below).
    const timeline = createTimelinePanel({ log, person, lab, api, people, toast, onReplay: (call) => this.actions.act(call) });
    this.timeline = timeline;

    // Present mode: button, P key, ?present (present.js).
    const present = (on, e) => import('./present.js').then((m) => m.setPresent(on, timeline, e));
    $('#present').addEventListener('click', () => present('toggle'));
    document.addEventListener('keydown', (e) => e.key === 'p' && present('key', e));
    if (/[?&]present\b/.test(location.search) || localStorage['statelab.present']) present();
  }

  makeRefresher() {
    const { api, state } = this;
    const { refresh, refreshSoon, quietly } = createRefresher({
      load: async ({ comments }) => {
        const [s, c] = await Promise.all([api.state().send(), comments ? api.comments().send() : null]);
        if (s.ok && s.data) state.server = s.data;
        else if (s.status === 404) banner('The server no longer has this lab and could not make it again (it holds as many labs as it may). Start a new lab to continue.');
        if (c?.ok && c.data) state.comments = c.data.comments;
        this.render();
      },
      onError: () => toast('Could not reach the server.'),
    });
    Object.assign(this, { refresh, refreshSoon, quietly });
  }

  makeActions() {
    const { waiters, client, refresh, timeline, state } = this;
    this.actions = createActions({
      waiters, client, refresh,
      expectRequest: (call) => timeline.expect(call),
      onAnswer: (call, res) => {
        if (res) state.lastResponse = res;
        const { kind, text } = feedback(res);
        toast(text);
        lastRequest(lastRequestLine(call, res), kind);
        this.render();
      },
    });
  }

  makeControls() {
    const { api, state } = this;
    const { act } = this.actions;
    this.controls = createControls({
      setMechanism: (mechanism) => {
        state.mechanism = mechanism;
        sessionStorage.setItem(MECHANISM_KEY, mechanism);
        this.render();
      },
      login: (form) => act(api.login(state.mechanism, form)),
      logout: () => act(api.logout(state.mechanism)),
      // The new comment arrives on the stream, as everyone else's does (event-router.js).
      comment: async (text) => Boolean((await act(api.comment(state.mechanism, text)))?.ok),
      clearCookies: (names) => act(api.clearCookies(names)),
      error: (kind) => act(kind === 'login-abort'
        ? api.error(kind, { username: $('#login-username').value, password: $('#login-password').value })
        : api.error(kind)),
      slow: (ms) => act(api.slow(ms)),
      setSetting: (key, value) => act(api.putSettings({ [key]: value })),
    }, { people: this.people, me: this.person });
  }

  makeLive() {
    const { api, log, client, people } = this;
    this.stream = createLive({
      api, log, client, people,
      onReconnected: () => this.refresh({ comments: true }),
      onRouted: (routed, live) => this.routed(routed, live),
    });
  }

  /** What the stream's events changed, drawn: the timeline now, the rest once a frame. */
  routed(routed, live) {
    const { timeline, waiters, clock, people, state } = this;
    timeline.started(routed.started);
    if (live) routed.ended.forEach((trace) => waiters.ended(trace));
    for (const trace of routed.mineWithCookies) clock.note(trace, live ? Date.now() : trace.end.time * 1000);
    if (routed.refresh) this.refreshSoon(routed.refresh);
    timeline.noteLabEvents(routed.labEvents);
    if (routed.cleared) {
      timeline.reset();
      toast('The hook log was cleared.');
    }
    const newPeople = people.version !== this.peopleSeen;
    if (newPeople) {
      this.peopleSeen = people.version;
      this.topbar.drawMe();
      timeline.peopleChanged();
    }
    timeline.draw();
    state.comments = mergeComments(state.comments, routed.comments);
    if (routed.settings && state.server) state.server = { ...state.server, settings: routed.settings };
    if (routed.mineWithCookies.length || routed.comments.length || routed.settings || newPeople) this.renderSoon();
  }

  // A burst of events draws once a frame.
  renderSoon() {
    return this.queued || (this.queued = requestAnimationFrame(() => {
      this.queued = false;
      this.render();
    }));
  }

  render() {
    const { state, api } = this;
    const { act } = this.actions;
    state.now = Date.now();
    state.rawDocumentCookie = document.cookie;
    state.browser = parseCookies(state.rawDocumentCookie);
    this.controls.update(state);
    keepFocus($('#inspector-body'), () => renderInspector($('#inspector-body'), {
      ...state, onDelete: (name) => act(api.clearCookies([name])),
    }));
    this.topbar.update(state);
    this.tamper.update(state);
    this.lessons.update(state);
  }

  startCountdowns() {
    const { clock, getState, refresh, state } = this;
    startCountdowns({
      clock, getState, refresh,
      onTick: (now) => {
        state.now = now;
        this.controls.tick(state);
        tickExpiries($('#inspector-body'), now);
      },
    });
  }

  async run() {
    const { lab, client, person, isOwner, log, stream } = this;
    // A small debug hook for tests and the curious: drop the stream as a network would.
    window.statelab = { lab, client, person, isOwner, dropStream: () => stream.drop(), get lastEventId() { return log.lastId; } };

    this.render();
    await Promise.all([this.refresh({ comments: true }), stream.start()]);
    document.documentElement.dataset.ready = 'true';
  }
}

start().catch((err) => {
  banner(`The lab could not start: ${err.message}. Is the server running?`);
});
