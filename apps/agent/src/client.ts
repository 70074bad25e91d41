import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { EventSource, type FetchLike } from 'eventsource';
import { createKeepAliveFetch, type FetchEsque } from './keep-alive-fetch.js';
import type { AgentRouter } from './router.js';

export {
  type AgentCallError,
  type AgentErrorData,
  AgentRemoteError,
  AgentTransportError,
  type AgentTransportErrorKind,
  agentTransportCodes,
  agentTransportErrorKinds,
  isAgentClientError,
  isAgentRemoteError,
  isAgentTransportError,
  type NetcoreErrorData,
  readAgentCallError,
  toAgentErrorData,
} from './client-errors.js';
export { createKeepAliveFetch, type FetchEsque, keepAliveAgentOptions } from './keep-alive-fetch.js';
export type { AgentEvent } from './services/event-log.js';
export type { AgentRouter };

/** What each procedure takes, as a caller writes it (defaults still optional). */
export type AgentInputs = inferRouterInputs<AgentRouter>;
/** What each procedure answers, as it arrives over the wire (JSON: no undefined properties, no Dates). */
export type AgentOutputs = inferRouterOutputs<AgentRouter>;

const toTrpcUrl = (url: string) => `${url.replace(/\/+$/, '')}/trpc`;

/** One pool of kept-alive connections for every client of the process (per agent address). */
const keepAliveFetch = createKeepAliveFetch();

/**
 * A typed client of one agent. Queries and mutations go one HTTP request each (through `send` when given,
 * else on kept-alive node:http connections for a plain-HTTP agent unless `fetch` is given); the `events`
 * subscription uses server-sent events (through the `eventsource` package, which can send the
 * Authorization header that a browser's EventSource cannot) and resumes from the last event id when it
 * reconnects.
 */
export const createAgentClient = ({
  url,
  token,
  fetch: given,
  send,
}: {
  url: string;
  token: string | undefined;
  /**
   * How requests are sent: the control plane's mTLS fetch for an https:// agent; otherwise kept-alive
   * node:http for http://, the global fetch for https://.
   */
  fetch?: typeof fetch;
  /**
   * How queries and mutations are sent, when not by `fetch`: the control plane's kept-alive mTLS
   * transport (the `events` stream, which needs a WHATWG body, still goes through `fetch`).
   */
  send?: FetchEsque;
}) => {
  const authorization: Record<string, string> =
    token === undefined ? {} : { authorization: `Bearer ${token}` };
  const stream = given ?? fetch;
  const fetchWithToken: FetchLike = (input, init) =>
    stream(input, { ...init, headers: { ...init.headers, ...authorization } });
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
        false: httpLink({
          url: toTrpcUrl(url),
          headers: () => authorization,
          methodOverride: 'POST',
          fetch: send ?? given ?? (url.startsWith('http:') ? keepAliveFetch : undefined),
        }),
      }),
    ],
  });
};

export type AgentClient = ReturnType<typeof createAgentClient>;
