// Taking Flask's signed session cookie apart in the browser, for display and tampering
// (the server's /api/state decodes it: that is what the page shows as the payload).
// Flask signs with itsdangerous' URLSafeTimedSerializer: payload.timestamp.signature,
// each base64url without padding; a payload starting with "." is zlib-compressed.
// Only the server can check the signature: this module never claims validity.

export function bytesToBase64url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** {payload, timestamp, signature, compressed} as the raw base64url parts, or null. */
export function splitSignedCookie(value) {
  if (typeof value !== 'string') return null;
  const last = value.lastIndexOf('.');
  const middle = value.lastIndexOf('.', last - 1);
  if (last <= 0 || middle <= 0) return null;
  return {
    payload: value.slice(0, middle),
    timestamp: value.slice(middle + 1, last),
    signature: value.slice(last + 1),
    compressed: value.startsWith('.'),
  };
}

/**
 * A forged cookie: the new payload text with the original timestamp and signature, so
 * it is well formed but its signature no longer matches (what an attacker could try).
 */
export function forgeSignedCookie(value, payloadText) {
  const parts = splitSignedCookie(value);
  if (!parts) return null;
  const payload = bytesToBase64url(new TextEncoder().encode(payloadText));
  return `${payload}.${parts.timestamp}.${parts.signature}`;
}
