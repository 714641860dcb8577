// The three ways to keep a login, as the page names them: one table for every view.

export const MECHANISMS = {
  cookie: {
    title: 'Plain cookie', label: 'plain cookie', cookie: 'username', httpOnly: false,
    summary: 'Login stores your name in a plain username cookie with set_cookie. Readable and editable by you.',
  },
  session: {
    title: 'Signed session', label: 'signed session', cookie: 'session', httpOnly: true,
    summary: 'Login stores your name in Flask\'s session: a signed cookie anyone can read but nobody without the secret key can change.',
  },
  'server-session': {
    title: 'Server-side session', label: 'server-side session', cookie: 'server_session', httpOnly: true,
    summary: 'Login stores your name on the server; the server_session cookie carries only a random id.',
  },
};
