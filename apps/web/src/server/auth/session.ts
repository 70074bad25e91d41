import type { Services } from '../services.js';
import type { ContextUser } from './context-user.js';
import { readCookie, sessionCookieName } from './session-cookie.js';

/**
 * The signed-in user of a request's session cookie, or null: a session that exists, is neither revoked nor
 * expired, of a user who is not disabled.
 */
export const readSessionUser = async ({
  services,
  headers,
}: {
  services: Pick<Services, 'sessions'>;
  headers: Headers;
}): Promise<ContextUser | null> => {
  const token = readCookie({ header: headers.get('cookie'), name: sessionCookieName });
  return token ? services.sessions.findUser({ token }) : null;
};
