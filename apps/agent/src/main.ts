import { type Command, parseCommand, usage } from './cli-options.js';
import { type AgentEnv, readEnv } from './env.js';
import { AgentError } from './errors.js';
import { joinCluster } from './join/join-cluster.js';
import { serveFromConfig } from './join/serve-from-config.js';
import { loadToken } from './load-token.js';
import { createAgentLogger } from './logger.js';
import { startAgent } from './start-agent.js';

type Logger = ReturnType<typeof createAgentLogger>;

const startCommand = async ({
  command,
  env,
  logger,
}: {
  command: Exclude<Command, { command: 'help' }>;
  env: AgentEnv;
  logger: Logger;
}) => {
  if (command.command === 'serve') {
    const { options } = command;
    return startAgent({
      nodeId: options.nodeId,
      ...(options.hostNamespace === undefined ? {} : { hostNamespace: options.hostNamespace }),
      host: options.listen,
      port: options.port,
      token: await loadToken(options.tokenSource),
      insecure: options.insecure,
      bootIdFile: options.bootIdFile,
      operationTimeoutMs: options.operationTimeoutMs,
      ...(options.cniSocket === undefined ? {} : { cniSocket: options.cniSocket }),
      ...(options.cniStateFile === undefined ? {} : { cniStateFile: options.cniStateFile }),
      logger,
    });
  }
  if (command.command === 'join') {
    const config = await joinCluster(command.options);
    logger.info(
      { nodeId: config.nodeId, agentUrl: config.agentUrl, configDirectory: command.options.configDirectory },
      'joined the cluster',
    );
    return serveFromConfig({ configDirectory: command.options.configDirectory, env, logger });
  }
  return serveFromConfig({ ...command.options, env, logger });
};

/**
 * The agent's command line: `kudo-agent join ...` / `run --config-dir DIR` on a real node, or the serve
 * form (`npm run agent -- --node-id n1 --port 7070 --token-file FILE`) on loopback.
 */
const main = async () => {
  const env = readEnv();
  const command = parseCommand({ argv: process.argv.slice(2), env });
  if (command.command === 'help') {
    console.log(command.text);
    return;
  }
  const logger = createAgentLogger({ level: env.KUDO_AGENT_LOG_LEVEL });
  const agent = await startCommand({ command, env, logger });
  let isStopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'stopping: waiting for running operations');
    agent.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ error: String(error) }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
};

main().catch((error: unknown) => {
  if (error instanceof AgentError) {
    const isUsageError = error.code === 'INVALID_OPTION' || error.code === 'NO_TOKEN';
    console.error(`kudo-agent: ${error.message}${isUsageError ? `\n\n${usage}` : ''}`);
    process.exit(2);
  }
  console.error('kudo-agent:', error);
  process.exit(1);
});
