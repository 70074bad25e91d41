import { sealData, unsealData } from 'iron-session';
import { z } from 'zod';
import { type AccountName, accountNames, type Credentials } from './credentials.js';
import type { SessionUser } from './session-user.js';

export const sessionCookieName = 'kudo_session';

/** What the sealed cookie carries: who, and the fingerprint of the password they signed in with. */
const ZSessionData = z.object({
  name: z.enum(accountNames),
  fingerprint: z.string(),
  issuedAt: z.number(),
});
type SessionData = z.infer<typeof ZSessionData>;

const roleByAccount: Record<AccountName, SessionUser['role']> = { admin: 'admin', viewer: 'viewer' };

/** The sealed (encrypted and signed) cookie value for an account; it expires after `ttlSeconds`. */
export const sealSession = ({
  credentials,
  account,
  ttlSeconds,
  now = Date.now(),
}: {
  credentials: Credentials;
  account: AccountName;
  ttlSeconds: number;
  now?: number;
}) =>
  sealData(
    {
      name: account,
      fingerprint: credentials.accounts[account].fingerprint,
      issuedAt: now,
    } satisfies SessionData,
    { password: credentials.sessionSecret, ttl: ttlSeconds },
  );

/**
 * The user of a sealed cookie value, or null when it is missing, forged, expired (by its seal or by
 * `issuedAt`), or from before a password change.
 */
export const unsealSession = async ({
  credentials,
  sealed,
  ttlSeconds,
  now = Date.now(),
}: {
  credentials: Credentials;
  sealed: string | undefined;
  ttlSeconds: number;
  now?: number;
}): Promise<SessionUser | null> => {
  if (!sealed) return null;
  let data: unknown;
  try {
    data = await unsealData(sealed, { password: credentials.sessionSecret, ttl: ttlSeconds });
  } catch {
    return null;
  }
  const session = ZSessionData.safeParse(data);
  if (!session.success) return null;
  const { name, fingerprint, issuedAt } = session.data;
  if (now - issuedAt > ttlSeconds * 1000 || issuedAt > now + 60_000) return null;
  if (credentials.accounts[name].fingerprint !== fingerprint) return null;
  return { name, role: roleByAccount[name] };
};

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
