// Cookie lifetimes as this page saw them set: which cookie the browser will drop when,
// and which ones have just run out (so the page re-reads state to show the server no
// longer receives them). Pure: fed finished traces and the time.

import { cookieExpiry, parseSetCookie } from './cookies.js';

export class CookieClock {
  constructor() {
    this.expiries = new Map(); // cookie name -> { at: ms epoch, or null for a browser-session cookie; start }
    this.setCookies = new Map(); // cookie name -> the last Set-Cookie for it, parsed
    this.expired = new Set(); // `${name}@${at}`: each expiry is reported once
  }

  /** Note the Set-Cookie lines of a finished trace; `receivedAt` is ms epoch. Returns true when any. */
  note(trace, receivedAt) {
    const lines = trace.end?.set_cookie ?? [];
    // The response's Date header has whole seconds; browsers read Expires against it.
    const serverDate = Math.floor(trace.end?.time ?? 0) * 1000;
    for (const header of lines) {
      const cookie = parseSetCookie(header);
      const expiry = cookieExpiry(cookie, receivedAt, serverDate);
      if (expiry === 0) {
        this.expiries.delete(cookie.name);
        this.setCookies.delete(cookie.name);
      } else {
        this.setCookies.set(cookie.name, cookie);
        this.expiries.set(cookie.name, { at: expiry, start: receivedAt });
      }
    }
    return lines.length > 0;
  }

  /** Names whose lifetime ended at or before `now`, each reported once. */
  due(now) {
    const names = [];
    for (const [name, { at }] of this.expiries) {
      const key = `${name}@${at}`;
      if (at === null || at > now || this.expired.has(key)) continue;
      this.expired.add(key);
      names.push(name);
    }
    return names;
  }
}
