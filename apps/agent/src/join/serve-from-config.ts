import type { Logger } from 'pino';
import type { AgentEnv } from '../env.js';
import { loadToken } from '../load-token.js';
import { startAgent } from '../start-agent.js';
import { readAgentConfig, ZListen } from './agent-config.js';

/**
 * `run` (and the end of `join`): the agent of agent.json, over HTTPS with the saved credentials, acting in
 * its own network namespace. The bearer token of agent.json's tokenFile (or the environment's) lets an
 * admin's scripts in beside the control plane.
 */
export const serveFromConfig = async ({
  configDirectory,
  env,
  logger,
  bootIdFile,
  operationTimeoutMs,
}: {
  configDirectory: string;
  env: AgentEnv;
  logger: Logger;
  bootIdFile?: string;
  operationTimeoutMs?: number;
}) => {
  const config = await readAgentConfig({ directory: configDirectory });
  const { host, port } = ZListen.parse(config.listen);
  const tokenFile = config.tokenFile ?? env.KUDO_AGENT_TOKEN_FILE;
  const token = await loadToken(
    tokenFile
      ? { kind: 'file', path: tokenFile }
      : env.KUDO_AGENT_TOKEN
        ? { kind: 'value', value: env.KUDO_AGENT_TOKEN }
        : { kind: 'none' },
  );
  return startAgent({
    nodeId: config.nodeId,
    host,
    port,
    ...(token === undefined ? {} : { token }),
    configDirectory,
    ...(config.namespacePrefix === undefined ? {} : { namespacePrefix: config.namespacePrefix }),
    logger,
    ...(bootIdFile === undefined ? {} : { bootIdFile }),
    ...(operationTimeoutMs === undefined ? {} : { operationTimeoutMs }),
  });
};
