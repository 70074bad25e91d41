import type { Services } from '../services.js';
import type { ContextUser } from './context-user.js';
import { readSessionUser } from './session.js';

/** Who makes an HTTP request: the user of its session cookie, or null (signed out). */
export const readRequestUser = ({
  services,
  headers,
}: {
  services: Services;
  headers: Headers;
}): Promise<ContextUser | null> => readSessionUser({ services, headers });
