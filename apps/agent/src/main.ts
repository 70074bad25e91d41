import { parseCliOptions, usage } from './cli-options.js';
import { readEnv } from './env.js';
import { AgentError } from './errors.js';
import { loadToken } from './load-token.js';
import { createAgentLogger } from './logger.js';
import { startAgent } from './start-agent.js';

/** The agent's command line: `npm run agent -- --node-id n1 --port 7070 --token-file FILE`. */
const main = async () => {
  const env = readEnv();
  const options = parseCliOptions({ argv: process.argv.slice(2), env });
  if (!options) {
    console.log(usage);
    return;
  }
  const logger = createAgentLogger({ level: env.KUDO_AGENT_LOG_LEVEL });
  const agent = await startAgent({
    nodeId: options.nodeId,
    ...(options.hostNamespace === undefined ? {} : { hostNamespace: options.hostNamespace }),
    host: options.listen,
    port: options.port,
    token: await loadToken(options.tokenSource),
    insecure: options.insecure,
    bootIdFile: options.bootIdFile,
    operationTimeoutMs: options.operationTimeoutMs,
    logger,
  });
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
    console.error(`kudo-agent: ${error.message}\n\n${usage}`);
    process.exit(2);
  }
  console.error('kudo-agent:', error);
  process.exit(1);
});
