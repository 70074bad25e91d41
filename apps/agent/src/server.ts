import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { getErrorShape, TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Logger } from 'pino';
import { isTokenValid, readBearerToken } from './auth.js';
import { agentRouter } from './router.js';
import type { AgentMetrics } from './services/metrics.js';
import { type AgentServices, createInnerContext } from './trpc.js';

export const trpcBasePath = '/trpc/';
export const metricsPath = '/metrics';

const sendJson = ({ res, status, body }: { res: ServerResponse; status: number; body: unknown }) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** A refusal in tRPC's error shape, so the typed client reports it as a TRPCClientError with its code. */
const sendTrpcError = ({
  res,
  error,
  headers,
}: {
  res: ServerResponse;
  error: TRPCError;
  headers?: Record<string, string>;
}) => {
  const shape = getErrorShape({
    config: agentRouter._def._config,
    error,
    type: 'unknown',
    path: undefined,
    input: undefined,
    ctx: undefined,
  });
  for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
  sendJson({ res, status: shape.data.httpStatus, body: { error: shape } });
};

/**
 * The agent's HTTP server: tRPC under /trpc/ and Prometheus metrics at /metrics. With a token configured,
 * every request (metrics included) must carry `Authorization: Bearer TOKEN` or gets 401 before anything runs.
 */
export const createAgentServer = ({
  services,
  metrics,
  token,
  logger,
}: {
  services: AgentServices;
  metrics: AgentMetrics;
  /** undefined only for an agent started insecure on loopback. */
  token: string | undefined;
  logger: Logger;
}) => {
  let isClosing = false;
  const isAuthorized = (req: IncomingMessage) =>
    token === undefined ||
    isTokenValid({ expected: token, presented: readBearerToken(req.headers.authorization) });

  const handleTrpc = createHTTPHandler({
    router: agentRouter,
    basePath: trpcBasePath,
    allowMethodOverride: true,
    createContext: ({ req }) => createInnerContext({ services, isAuthenticated: isAuthorized(req) }),
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR' && !error.cause)
        logger.error({ path, error: error.message }, 'procedure failed unexpectedly');
    },
  });

  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://agent');
    if (isClosing) {
      res.setHeader('connection', 'close');
      sendTrpcError({
        res,
        error: new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'the agent is stopping' }),
      });
      return;
    }
    if (!isAuthorized(req)) {
      logger.warn(
        {
          method: req.method,
          path: pathname,
          remoteAddress: req.socket.remoteAddress,
          hasToken: req.headers.authorization !== undefined,
        },
        'request refused: missing or wrong bearer token',
      );
      sendTrpcError({
        res,
        error: new TRPCError({ code: 'UNAUTHORIZED', message: 'missing or wrong bearer token' }),
        headers: { 'www-authenticate': 'Bearer realm="kudo-agent"' },
      });
      return;
    }
    if (pathname === metricsPath && req.method === 'GET') {
      metrics.render().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(text);
        },
        (error: unknown) => {
          logger.error({ error: String(error) }, 'metrics failed');
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (pathname.startsWith(trpcBasePath)) {
      handleTrpc(req, res);
      return;
    }
    sendTrpcError({ res, error: new TRPCError({ code: 'NOT_FOUND', message: `no route ${pathname}` }) });
  });

  /** Refuses new requests, lets the running and queued mutations end, then drops every connection. */
  const close = async () => {
    if (isClosing) return;
    isClosing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    services.events.close();
    await services.operations.whenIdle();
    server.closeAllConnections();
    await closed;
  };

  return { server, close };
};
