// The Tamper tools: forge the plain username cookie with document.cookie, re-encode the
// signed session's payload keeping its old signature, replace the server_session id.

import { $ } from './dom.js';
import { cookieAssignment } from './cookies.js';
import { forgeSignedCookie } from './signed-session.js';

/** The forged session cookie for `payloadText`, or {error} saying why it is not sent. Pure. */
export function sessionTamper(raw, payloadText) {
  if (!raw) return { error: 'No session cookie to tamper with: log in with Signed session first.' };
  try {
    const value = JSON.parse(payloadText);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { error: 'Flask\'s session is a JSON object: write {"key": value, ...}.' };
    }
  } catch (err) {
    return { error: `Not sent: the payload is not valid JSON (${err.message}).` };
  }
  const forged = forgeSignedCookie(raw, payloadText);
  return forged ? { value: forged } : { error: 'The session cookie is not in Flask\'s payload.timestamp.signature form.' };
}

export function createTamper({ api, act, refresh, getState }) {
  const sessionError = $('#tamper-session-error');
  const showSessionError = (message) => {
    sessionError.hidden = !message;
    sessionError.textContent = message ?? '';
  };
  $('#tamper-username').addEventListener('submit', async (e) => {
    e.preventDefault();
    document.cookie = cookieAssignment('username', $('#tamper-username-value').value);
    const form = e.currentTarget;
    const [effect] = await Promise.all([import('./tamper-effect.js'), refresh()]);
    effect.showUsernameEffect(form, getState().server);
  });
  $('#tamper-session').addEventListener('submit', (e) => {
    e.preventDefault();
    const forged = sessionTamper(getState().server?.mechanisms?.session?.raw, $('#tamper-session-payload').value);
    showSessionError(forged.error);
    if (forged.value) act(api.putCookie('session', forged.value));
  });
  $('#tamper-session-payload').addEventListener('input', () => showSessionError(null));
  $('#tamper-server').addEventListener('submit', (e) => {
    e.preventDefault();
    act(api.putCookie('server_session', $('#tamper-server-value').value.trim()));
  });

  let lastSessionRaw = null;
  /** Keep the forms in step with state, without overwriting what the learner is typing. */
  function update(state) {
    const mechs = state.server?.mechanisms ?? {};
    const raw = mechs.session?.raw ?? null;
    if (raw !== lastSessionRaw) {
      lastSessionRaw = raw;
      $('#tamper-session-payload').value = mechs.session?.decoded?.payload_text ?? '';
    }
    const sid = $('#tamper-server-value');
    if (document.activeElement !== sid && !sid.value && mechs['server-session']?.sid) sid.value = mechs['server-session'].sid;
  }
  return { update };
}
