import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { getErrorShape, TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Logger } from 'pino';
import { createTokenCheck, readBearerToken } from './auth.js';
import { agentRouter } from './router.js';
import type { AgentMetrics } from './services/metrics.js';
import { createSingleCallHandler } from './single-call-handler.js';
import { isControlPlaneClient, type PeerSocket } from './tls/client-identity.js';
import type { TlsCredentials } from './tls/credential-files.js';
import { toSecureContextOptions, toServerTlsOptions } from './tls/tls-options.js';
import { type AgentServices, createInnerContext } from './trpc.js';

export const trpcBasePath = '/trpc/';
export const metricsPath = '/metrics';

/** Procedures only the control plane may call (with its client certificate), never a bearer token. */
const controlPlaneOnlyPrefix = 'credentials.';

/**
 * Whether a tRPC path (`/trpc/a,b` when batched) names a procedure reserved to the control plane. A path
 * that does not decode is taken as reserved: refused, rather than guessed.
 */
export const isControlPlaneOnlyPath = (pathname: string) => {
  if (!pathname.startsWith(trpcBasePath)) return false;
  let names: string;
  try {
    names = decodeURIComponent(pathname.slice(trpcBasePath.length));
  } catch {
    return true;
  }
  return names.split(',').some((name) => name.startsWith(controlPlaneOnlyPrefix));
};

/** How a request proved who it is, if it did. */
type Caller = 'control-plane' | 'token' | 'anonymous-loopback' | undefined;

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
 * The agent's HTTP(S) server: tRPC under /trpc/ and Prometheus metrics at /metrics.
 * Plain HTTP (loopback only, checked by startAgent): with a token configured, every request (metrics
 * included) must carry `Authorization: Bearer TOKEN` or gets 401 before anything runs.
 * HTTPS (`tls`): a request is let in when its connection showed the control plane's client certificate
 * (issued by the cluster CA, CN kudo-control-plane) or, for an admin's script, carries the bearer token;
 * anything else gets 401. `setCredentials` swaps the key and certificate for the next handshakes.
 */
export const createAgentServer = ({
  services,
  metrics,
  token,
  tls,
  logger,
}: {
  services: AgentServices;
  metrics: AgentMetrics;
  /** undefined only for an agent started insecure on loopback, or one that takes mTLS alone. */
  token: string | undefined;
  /** Serve HTTPS with these credentials. */
  tls?: TlsCredentials;
  logger: Logger;
}) => {
  let isClosing = false;
  const isTokenValid = token === undefined ? undefined : createTokenCheck({ expected: token });
  const identify = (req: IncomingMessage): Caller => {
    if (tls && isControlPlaneClient(req.socket as PeerSocket)) return 'control-plane';
    if (isTokenValid) return isTokenValid(readBearerToken(req.headers.authorization)) ? 'token' : undefined;
    return tls ? undefined : 'anonymous-loopback';
  };
  /** Who each request in progress is, found once by `handleRequest` and read again by the tRPC context. */
  const callers = new WeakMap<IncomingMessage, Caller>();
  const isAuthorized = (req: IncomingMessage) =>
    (callers.has(req) ? callers.get(req) : identify(req)) !== undefined;

  const createContext = (req: IncomingMessage) =>
    createInnerContext({ services, isAuthenticated: isAuthorized(req) });
  const onError = ({ error, path }: { error: TRPCError; path: string | undefined }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR' && !error.cause)
      logger.error({ path, error: error.message }, 'procedure failed unexpectedly');
  };
  const handleTrpc = createHTTPHandler({
    router: agentRouter,
    basePath: trpcBasePath,
    allowMethodOverride: true,
    createContext: ({ req }) => createContext(req),
    onError,
  });
  // One query or mutation per request (the typed client's way) skips the standard adapter's web streams.
  const singleCall = createSingleCallHandler({
    router: agentRouter,
    basePath: trpcBasePath,
    createContext,
    onError,
  });

  const handleRequest = (req: IncomingMessage, res: ServerResponse) => {
    const { pathname } = new URL(req.url ?? '/', 'http://agent');
    if (isClosing) {
      res.setHeader('connection', 'close');
      sendTrpcError({
        res,
        error: new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'the agent is stopping' }),
      });
      return;
    }
    const caller = identify(req);
    callers.set(req, caller);
    if (caller === undefined) {
      const reason = tls
        ? 'no control plane certificate and no valid bearer token'
        : 'missing or wrong bearer token';
      logger.warn(
        {
          method: req.method,
          path: pathname,
          remoteAddress: req.socket.remoteAddress,
          hasToken: req.headers.authorization !== undefined,
        },
        `request refused: ${reason}`,
      );
      sendTrpcError({
        res,
        error: new TRPCError({ code: 'UNAUTHORIZED', message: reason }),
        headers: { 'www-authenticate': 'Bearer realm="kudo-agent"' },
      });
      return;
    }
    if (tls && caller !== 'control-plane' && isControlPlaneOnlyPath(pathname)) {
      logger.warn(
        { path: pathname, remoteAddress: req.socket.remoteAddress },
        'request refused: control plane only',
      );
      sendTrpcError({
        res,
        error: new TRPCError({
          code: 'FORBIDDEN',
          message: 'only the control plane (its client certificate) may call this',
        }),
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
      if (!singleCall.handle({ req, res })) handleTrpc(req, res);
      return;
    }
    sendTrpcError({ res, error: new TRPCError({ code: 'NOT_FOUND', message: `no route ${pathname}` }) });
  };

  const server = tls
    ? createHttpsServer(toServerTlsOptions(tls), handleRequest)
    : createServer(handleRequest);
  if (tls)
    server.on('tlsClientError', (error, socket) =>
      logger.debug({ error: error.message, remoteAddress: socket.remoteAddress }, 'TLS handshake failed'),
    );

  /** New key and certificate for the next handshakes; open connections keep theirs. */
  const setCredentials = (credentials: TlsCredentials) => {
    if (!('setSecureContext' in server)) throw new Error('a plain HTTP agent has no TLS context to swap');
    server.setSecureContext(toSecureContextOptions(credentials));
  };

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

  return { server, close, setCredentials };
};
