import type { Services } from '../services.js';
import { readBearerUser } from '../tokens/bearer-user.js';
import type { ContextUser } from './context-user.js';
import { readSessionUser } from './session.js';

/**
 * Who makes an HTTP request: the user of its `Authorization: Bearer` API token (a refused token ends the
 * request with 401), else of its session cookie, or null (signed out).
 */
export const readRequestUser = async ({
  services,
  headers,
}: {
  services: Services;
  headers: Headers;
}): Promise<ContextUser | null> =>
  (await readBearerUser({ services, headers })) ?? readSessionUser({ services, headers });
