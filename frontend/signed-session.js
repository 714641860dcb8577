// Taking Flask's signed session cookie apart in the browser, for display and tampering.
// Flask signs with itsdangerous' URLSafeTimedSerializer: payload.timestamp.signature,
// each base64url without padding; a payload starting with "." is zlib-compressed.
// Only the server can check the signature: this module never claims validity.

function base64urlToBytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

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

/** The itsdangerous timestamp: a big-endian integer of epoch seconds. */
export function decodeTimestamp(part) {
  try {
    let n = 0;
    for (const byte of base64urlToBytes(part)) n = n * 256 + byte;
    return n;
  } catch {
    return null;
  }
}

/**
 * What anyone holding the cookie can read, without the key:
 * {payloadText, payload, compressed, timestamp} (payloadText null when compressed
 * or not decodable: the server's /api/state decodes compressed ones).
 */
export function readSignedCookie(value) {
  const parts = splitSignedCookie(value);
  if (!parts) return null;
  const result = { payloadText: null, payload: null, compressed: parts.compressed,
    timestamp: decodeTimestamp(parts.timestamp) };
  if (parts.compressed) return result;
  try {
    result.payloadText = new TextDecoder('utf-8', { fatal: true }).decode(base64urlToBytes(parts.payload));
    result.payload = JSON.parse(result.payloadText);
  } catch {
    result.payload = null;
  }
  return result;
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
