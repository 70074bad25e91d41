/**
 * The session cookie carries a random value only (the Session table keeps its SHA-256, see sessions.ts),
 * httpOnly, SameSite=Lax, Secure on HTTPS.
 */
export const sessionCookieName = 'kudo_session';

/** One cookie's value from a Cookie header. */
export const readCookie = ({ header, name }: { header: string | null; name: string }) => {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return undefined;
};

/**
 * Whether the cookie gets the Secure attribute: `always`, `never`, or (`auto`) when the request came over
 * HTTPS, directly or through a proxy that says so.
 */
export const isSecureCookie = ({
  mode,
  url,
  headers,
}: {
  mode: 'auto' | 'always' | 'never';
  url: string;
  headers: Headers;
}) => {
  if (mode !== 'auto') return mode === 'always';
  return new URL(url).protocol === 'https:' || headers.get('x-forwarded-proto') === 'https';
};
