/**
 * The dashboard's Content-Security-Policy. Scripts run only with the request's nonce (Next.js puts it on its
 * own scripts, inline and bundled, when it finds it in the request's policy) and what they load
 * (`'strict-dynamic'`); no `eval` outside development (React's dev build needs it for its error overlay).
 * Styles may be inline: React renders `style={...}` attributes, and a nonce cannot allow those.
 * No framing (`frame-ancestors 'none'`), no plugins, forms and connections to this origin only.
 */
export const buildContentSecurityPolicy = ({
  nonce,
  isDevelopment,
}: {
  nonce: string;
  isDevelopment: boolean;
}) =>
  [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${isDevelopment ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

/** A fresh nonce per request: 16 random bytes, base64. */
export const createNonce = () => Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
