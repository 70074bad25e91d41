'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchStreamLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { type ReactNode, useState } from 'react';
import type { DashboardUser } from '../server/auth/context-user';
import type { AppRouter } from '../server/trpc/root';
import { LiveUpdatesProvider } from './live-updates';
import { SessionProvider } from './session-context';
import { TRPCProvider } from './trpc';

const apiUrl = '/api/trpc';

const isUnauthorized = (error: unknown) =>
  (error as { data?: { code?: string } }).data?.code === 'UNAUTHORIZED';

/** An expired or revoked session: back to the sign-in page rather than errors on every card. */
const goToSignIn = (error: unknown) => {
  if (isUnauthorized(error)) window.location.assign('/sign-in');
};

const createQueryClient = () =>
  new QueryClient({
    queryCache: new QueryCache({ onError: goToSignIn }),
    mutationCache: new MutationCache({ onError: goToSignIn }),
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        // A refused request (not signed in, not found, invalid) will not succeed by asking again.
        retry: (failureCount, error) =>
          failureCount < 2 &&
          !/UNAUTHORIZED|FORBIDDEN|NOT_FOUND|BAD_REQUEST/.test(
            String((error as { data?: { code?: string } }).data?.code),
          ),
      },
    },
  });

/** Everything client components need: the signed-in user, the query cache, the typed API and live updates. */
export const Providers = ({ user, children }: { user: DashboardUser; children: ReactNode }) => {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (operation) => operation.type === 'subscription',
          // Same origin: the browser's EventSource sends the session cookie.
          true: httpSubscriptionLink({ url: apiUrl }),
          false: httpBatchStreamLink({ url: apiUrl }),
        }),
      ],
    }),
  );
  return (
    <SessionProvider user={user}>
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          <LiveUpdatesProvider>{children}</LiveUpdatesProvider>
        </TRPCProvider>
      </QueryClientProvider>
    </SessionProvider>
  );
};
