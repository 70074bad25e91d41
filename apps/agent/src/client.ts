import type { NetcoreErrorCode } from '@kudo/netcore';
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { EventSource, type FetchLike } from 'eventsource';
import type { AgentRouter } from './router.js';

export type { AgentEvent } from './services/event-log.js';
export type { AgentRouter };

const toTrpcUrl = (url: string) => `${url.replace(/\/+$/, '')}/trpc`;

/**
 * A typed client of one agent. Queries and mutations go one HTTP request each; the `events` subscription
 * uses server-sent events (through the `eventsource` package, which can send the Authorization header that
 * a browser's EventSource cannot) and resumes from the last event id when it reconnects.
 */
export const createAgentClient = ({ url, token }: { url: string; token: string | undefined }) => {
  const authorization: Record<string, string> =
    token === undefined ? {} : { authorization: `Bearer ${token}` };
  const fetchWithToken: FetchLike = (input, init) =>
    fetch(input, { ...init, headers: { ...init.headers, ...authorization } });
  return createTRPCClient<AgentRouter>({
    links: [
      splitLink({
        condition: (operation) => operation.type === 'subscription',
        true: httpSubscriptionLink({
          url: toTrpcUrl(url),
          EventSource,
          eventSourceOptions: () => ({ fetch: fetchWithToken }),
        }),
        // Queries go as POST: a desired state or a list of known ids would not fit in a URL. No batching:
        // a batch waits for a timer tick (about 1 ms in Node) to gather calls, and calls to one agent
        // rarely come together; each request reuses the kept-alive connection instead.
        false: httpLink({ url: toTrpcUrl(url), headers: () => authorization, methodOverride: 'POST' }),
      }),
    ],
  });
};

export type AgentClient = ReturnType<typeof createAgentClient>;

/** What went wrong in a call to an agent: netcore's code, field and reason, or the tRPC code of the refusal. */
export type AgentErrorData = {
  code: NetcoreErrorCode | TRPC_ERROR_CODE_KEY;
  field: string | undefined;
  reason: string;
};

export const isAgentClientError = (error: unknown): error is TRPCClientError<AgentRouter> =>
  error instanceof TRPCClientError;

/**
 * Turns a failed call into `{ code, field, reason }`: the NetcoreError data when netcore refused or failed
 * (`field` names the input field to highlight), the tRPC code otherwise (UNAUTHORIZED for a bad token),
 * and UNREACHABLE when no agent answered at all.
 */
export const toAgentErrorData = (error: unknown): AgentErrorData => {
  if (!isAgentClientError(error))
    return {
      code: 'INTERNAL_SERVER_ERROR',
      field: undefined,
      reason: error instanceof Error ? error.message : String(error),
    };
  const data = error.data;
  if (data?.netcore) return data.netcore;
  if (data?.code) return { code: data.code, field: undefined, reason: error.message };
  return { code: 'UNREACHABLE', field: undefined, reason: `no answer from the agent: ${error.message}` };
};
