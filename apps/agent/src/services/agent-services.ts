import { createNetcore } from '@kudo/netcore';
import type { Logger } from 'pino';
import type { CredentialService } from '../tls/credential-service.js';
import type { AgentServices } from '../trpc.js';
import { createEventLog } from './event-log.js';
import { readHealth } from './health.js';
import { createAgentMetrics } from './metrics.js';
import { createOperations } from './operations.js';

/** Builds what one agent's procedures use: netcore bound to the host namespace, queue, events, metrics. */
export const createAgentServices = ({
  nodeId,
  hostNamespace,
  namespacePrefix,
  bootIdFile,
  operationTimeoutMs,
  logger,
  credentials,
}: {
  nodeId: string;
  hostNamespace: string | undefined;
  namespacePrefix?: string | undefined;
  bootIdFile: string;
  operationTimeoutMs: number;
  logger: Logger;
  credentials?: CredentialService | undefined;
}) => {
  const startedAt = Date.now();
  const metrics = createAgentMetrics({ nodeId });
  const events = createEventLog();
  const services: AgentServices = {
    nodeId,
    hostNamespace,
    netcore: createNetcore({
      ...(hostNamespace === undefined ? {} : { hostNamespace }),
      ...(namespacePrefix === undefined ? {} : { namespacePrefix }),
    }),
    operations: createOperations({ nodeId, timeoutMs: operationTimeoutMs, events, metrics, logger }),
    events,
    readHealth: () =>
      readHealth({
        nodeId,
        hostNamespace,
        bootIdFile,
        startedAt,
        certificate: credentials?.describe() ?? null,
      }),
    credentials,
    logger,
    protectedPorts: [],
  };
  return { services, metrics };
};
