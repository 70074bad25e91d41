import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { ContextUser } from '../auth/context-user.js';
import type { Services } from '../services.js';
import { appRouter } from '../trpc/root.js';
import { createInnerContext } from '../trpc/trpc.js';
import { testAdmin } from './test-services.js';

/** A procedure's call over HTTP: its path, its input, who calls (none: signed out) and how. */
export type HttpRequest = {
  path: string;
  input?: unknown;
  user?: ContextUser | null;
  method?: 'GET' | 'POST';
};

/**
 * Calls a procedure as a browser does, through tRPC's fetch adapter (no server): a POST with a JSON body,
 * or a GET with `?input=`, as `user` (none: signed out). Answers the HTTP response.
 */
export const callHttp = ({
  services,
  path,
  input,
  user = testAdmin,
  method = 'POST',
}: HttpRequest & { services: Services }) => {
  const query = method === 'GET' ? `?input=${encodeURIComponent(JSON.stringify(input ?? null))}` : '';
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: new Request(`http://control-plane.test/api/trpc/${path}${query}`, {
      method,
      ...(method === 'POST'
        ? { body: JSON.stringify(input), headers: { 'content-type': 'application/json' } }
        : {}),
    }),
    router: appRouter,
    createContext: () => createInnerContext({ services, user }),
  });
};
