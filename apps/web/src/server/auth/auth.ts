import { join } from 'node:path';
import { readEnv } from '../../env.js';
import { type Credentials, describeGeneratedPasswords, loadCredentials } from './credentials.js';
import { readCookie, sessionCookieName, unsealSession } from './session-cookie.js';
import type { SessionUser } from './session-user.js';

export type AuthConfig = {
  credentials: Credentials;
  ttlSeconds: number;
  cookieSecure: 'auto' | 'always' | 'never';
};

/** Where the dashboard's accounts are kept, for a data directory (also used by `npm run web` and `npm start`). */
export const getCredentialFile = ({ dataDir }: { dataDir: string }) => join(dataDir, 'auth.json');

const loadAuthConfig = async (): Promise<AuthConfig> => {
  const env = readEnv();
  const credentials = await loadCredentials({
    file: getCredentialFile({ dataDir: env.dataDir }),
    adminPassword: env.KUDO_ADMIN_PASSWORD,
    viewerPassword: env.KUDO_VIEWER_PASSWORD,
    sessionSecret: env.KUDO_SESSION_SECRET,
  });
  // Started directly (`next start`) on a fresh data directory: the server log is where they are shown.
  const banner = describeGeneratedPasswords(credentials);
  if (banner) console.warn(`\n${banner}\n`);
  return { credentials, ttlSeconds: env.KUDO_SESSION_TTL_MINUTES * 60, cookieSecure: env.KUDO_COOKIE_SECURE };
};

const holder = globalThis as typeof globalThis & { kudoAuth?: Promise<AuthConfig> };

/** The process's accounts and session settings, loaded once. */
export const getAuthConfig = () => {
  holder.kudoAuth ??= loadAuthConfig().catch((error: unknown) => {
    holder.kudoAuth = undefined;
    throw error;
  });
  return holder.kudoAuth;
};

/** The signed-in user of a request (from its session cookie), or null. */
export const readSessionUserFromHeaders = async ({
  headers,
}: {
  headers: Headers;
}): Promise<SessionUser | null> => {
  const sealed = readCookie({ header: headers.get('cookie'), name: sessionCookieName });
  if (!sealed) return null;
  const { credentials, ttlSeconds } = await getAuthConfig();
  return unsealSession({ credentials, sealed, ttlSeconds });
};
