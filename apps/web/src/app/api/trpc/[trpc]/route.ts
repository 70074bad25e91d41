import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { findCrossSiteRefusal, refuseCrossSite } from '../../../../server/http/cross-site';
import { serveTimed } from '../../../../server/http/server-timing';
import { appRouter } from '../../../../server/trpc/root';
import { createHttpContext } from '../../../../server/trpc/trpc';

/**
 * The web app's tRPC API over HTTP (queries, mutations and server-sent-event subscriptions). A change
 * from another site (a forged form post) is refused before it reaches the router. Each answer says in
 * `Server-Timing` where its time went (node lock, database, agent call).
 */
const handler = (req: Request) => {
  const refusal = findCrossSiteRefusal({ method: req.method, headers: req.headers, url: req.url });
  if (refusal) return refuseCrossSite(refusal);
  return serveTimed({
    handle: () =>
      fetchRequestHandler({
        endpoint: '/api/trpc',
        req,
        router: appRouter,
        createContext: () => createHttpContext({ req }),
      }),
  });
};

export const dynamic = 'force-dynamic';
export { handler as GET, handler as POST };
