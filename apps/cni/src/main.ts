import { text } from 'node:stream/consumers';
import { createCniAgentClient } from './agent-client.js';
import { runPlugin } from './run-plugin.js';

/**
 * The `kudo` CNI plugin: reads CNI_* from the environment and the network configuration from stdin,
 * asks the node's agent over its unix socket, and writes the spec's result or error JSON on stdout. Logs
 * go to stderr only. The one place `process` is read.
 */
const main = async () => {
  const stdin = process.stdin.isTTY ? '' : await text(process.stdin);
  const outcome = await runPlugin({
    env: process.env,
    stdin,
    connect: (socketPath) => createCniAgentClient({ socketPath }),
  });
  if (outcome.stdout.length > 0) process.stdout.write(`${outcome.stdout}\n`);
  if (outcome.exitCode !== 0) process.stderr.write(`kudo: ${outcome.stdout}\n`);
  process.exitCode = outcome.exitCode;
};

void main();
