import { join } from 'node:path';
import { readEnv } from '../../env.js';

/** How long a sign-in lasts and when its cookie is Secure, from the environment. */
export const readAuthSettings = () => {
  const env = readEnv();
  return { ttlSeconds: env.KUDO_SESSION_TTL_MINUTES * 60, cookieSecure: env.KUDO_COOKIE_SECURE };
};

/** Where an earlier version kept the dashboard's two accounts: migrated into users once, at start. */
export const getCredentialFile = ({ dataDir }: { dataDir: string }) => join(dataDir, 'auth.json');
