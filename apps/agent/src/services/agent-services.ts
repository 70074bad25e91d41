import { createExecaRunner, createNetcore } from '@kudo/netcore';
import type { Logger } from 'pino';
import { createCniIpHelpers } from '../cni/cni-ip-helpers.js';
import { createCniService } from '../cni/cni-service.js';
import { createCniStore } from '../cni/cni-store.js';
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
  cniStateFile,
}: {
  nodeId: string;
  hostNamespace: string | undefined;
  namespacePrefix?: string | undefined;
  bootIdFile: string;
  operationTimeoutMs: number;
  logger: Logger;
  credentials?: CredentialService | undefined;
  /** Where the CNI range and attachments are kept; in memory when undefined. */
  cniStateFile?: string | undefined;
}) => {
  const startedAt = Date.now();
  const metrics = createAgentMetrics({ nodeId });
  const events = createEventLog();
  const ipHelpers = createCniIpHelpers();
  const netcore = createNetcore({
    ...(hostNamespace === undefined ? {} : { hostNamespace }),
    ...(namespacePrefix === undefined ? {} : { namespacePrefix }),
    runner: ipHelpers.wrapRunner(createExecaRunner()),
  });
  const operations = createOperations({ nodeId, timeoutMs: operationTimeoutMs, events, metrics, logger });
  const services: AgentServices = {
    nodeId,
    hostNamespace,
    netcore,
    operations,
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
    cni: createCniService({
      nodeId,
      netcore,
      operations,
      store: createCniStore({ file: cniStateFile }),
      ipHelpers,
    }),
  };
  return { services, metrics };
};
