import type { AddressInfo } from 'node:net';
import { ZId } from '@kudo/netcore';
import type { Logger } from 'pino';
import { isLoopbackAddress } from './auth.js';
import { listenCniSocket } from './cni/cni-socket.js';
import { AgentError } from './errors.js';
import { createAgentLogger } from './logger.js';
import { createAgentServer } from './server.js';
import { createAgentServices } from './services/agent-services.js';
import { defaultBootIdFile } from './services/health.js';
import { createCredentialService, loadTlsCredentials } from './tls/credential-service.js';

export const defaultListenHost = '127.0.0.1';
export const defaultOperationTimeoutMs = 60_000;

export type StartAgentOptions = {
  nodeId: string;
  /** A lab node's namespace to act in; omitted on a real node (the agent acts in its own namespace). */
  hostNamespace?: string;
  /** The start of instance namespace names (netcore's default `kudo`): for machines sharing /run/netns. */
  namespacePrefix?: string;
  /** Address to listen on; loopback unless told otherwise. */
  host?: string;
  /** 0 picks a free port (see the returned url). */
  port: number;
  /**
   * The bearer token a request may carry. Without TLS: required unless `insecure` (and then only on
   * loopback). With TLS: optional (the control plane's client certificate is the other way in).
   */
  token?: string;
  /**
   * Serve HTTPS with the key, certificate and cluster CA of this directory (agent.key, agent.crt, ca.crt,
   * as `join` saves them). Required to listen beyond loopback.
   */
  configDirectory?: string;
  insecure?: boolean;
  logger?: Logger;
  /** Read at every health call; tests point it to a file of their own to simulate a reboot. */
  bootIdFile?: string;
  /** How long one operation may run before its caller gets a TIMEOUT error. */
  operationTimeoutMs?: number;
  /** Serve the CNI plugin's router on this unix socket (mode 0600), e.g. /run/kudo/agent.sock. */
  cniSocket?: string;
  /** Where the CNI range and attachments are kept (default: in memory). */
  cniStateFile?: string;
};

const checkOptions = ({
  nodeId,
  host,
  token,
  insecure,
  operationTimeoutMs,
  configDirectory,
}: Required<Pick<StartAgentOptions, 'nodeId' | 'host' | 'operationTimeoutMs'>> & StartAgentOptions) => {
  const id = ZId.safeParse(nodeId);
  if (!id.success)
    throw new AgentError({
      code: 'INVALID_OPTION',
      field: 'nodeId',
      reason: id.error.issues[0]?.message ?? 'invalid',
    });
  if (!Number.isInteger(operationTimeoutMs) || operationTimeoutMs < 1)
    throw new AgentError({
      code: 'INVALID_OPTION',
      field: 'operationTimeoutMs',
      reason: 'must be a positive integer',
    });
  if (token === '')
    throw new AgentError({ code: 'NO_TOKEN', field: 'token', reason: 'the token must not be empty' });
  if (configDirectory !== undefined) return;
  if (!isLoopbackAddress(host))
    throw new AgentError({
      code: 'UNSAFE_LISTEN',
      field: 'host',
      reason: `plain HTTP only on loopback, not ${host}: an agent reached over the network serves TLS only (join the cluster, then run --config-dir)`,
    });
  if (token === undefined && !insecure)
    throw new AgentError({
      code: 'NO_TOKEN',
      field: 'token',
      reason: 'no token configured: give a token file (or KUDO_AGENT_TOKEN), or --insecure on loopback',
    });
  if (token === undefined && !isLoopbackAddress(host))
    throw new AgentError({
      code: 'UNSAFE_LISTEN',
      field: 'host',
      reason: `without a token the agent only listens on loopback, not ${host}`,
    });
};

/** Starts an agent: the HTTP server is listening when this resolves. `close()` stops it gracefully. */
export const startAgent = async (options: StartAgentOptions) => {
  const {
    nodeId,
    hostNamespace,
    host = defaultListenHost,
    port,
    token,
    bootIdFile = defaultBootIdFile,
    operationTimeoutMs = defaultOperationTimeoutMs,
    configDirectory,
    cniSocket,
    cniStateFile,
  } = options;
  checkOptions({ ...options, host, operationTimeoutMs });
  const logger = (options.logger ?? createAgentLogger()).child({ nodeId });
  const tls =
    configDirectory === undefined ? undefined : await loadTlsCredentials({ directory: configDirectory });
  const credentials =
    configDirectory === undefined || tls === undefined
      ? undefined
      : createCredentialService({ directory: configDirectory, nodeId, initial: tls });
  const { services, metrics } = createAgentServices({
    nodeId,
    hostNamespace,
    namespacePrefix: options.namespacePrefix,
    bootIdFile,
    operationTimeoutMs,
    logger,
    credentials,
    cniStateFile,
  });
  const { server, close, setCredentials } = createAgentServer({
    services,
    metrics,
    token,
    logger,
    ...(tls ? { tls } : {}),
  });
  credentials?.onInstalled((next) => {
    setCredentials(next);
    logger.info(credentials.describe(), 'certificate installed');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const cniServer =
    cniSocket === undefined
      ? undefined
      : await listenCniSocket({ path: cniSocket, cni: services.cni, logger });
  const address = server.address() as AddressInfo;
  services.protectedPorts.push(address.port);
  const url = `${tls ? 'https' : 'http'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info(
    {
      url,
      hostNamespace: hostNamespace ?? null,
      isAuthenticated: token !== undefined || tls !== undefined,
      certificate: credentials?.describe() ?? null,
    },
    'agent listening',
  );
  if (token === undefined && tls === undefined)
    logger.warn('INSECURE: no token, any local process may drive this node');
  return {
    url,
    port: address.port,
    close: async () => {
      await cniServer?.close();
      await close();
      logger.info('agent stopped');
    },
  };
};

export type Agent = Awaited<ReturnType<typeof startAgent>>;
