import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '../../../../server/trpc/root';
import { createHttpContext } from '../../../../server/trpc/trpc';

/** The web app's tRPC API over HTTP (queries, mutations and server-sent-event subscriptions). */
const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => createHttpContext({ req }),
  });

export const dynamic = 'force-dynamic';
export { handler as GET, handler as POST };
