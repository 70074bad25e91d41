/**
 * Sets up a node and one instance through an agent, as an admin script would.
 *   node --import tsx apps/agent/examples/setup-instance.ts [URL] [TOKEN_FILE]
 */
import { readFile } from 'node:fs/promises';
import { createAgentClient, toAgentErrorData } from '@kudo/agent/client';

const [url = 'http://127.0.0.1:7070', tokenFile = '/etc/kudo/agent-token'] = process.argv.slice(2);
const token = (await readFile(tokenFile, 'utf8')).trim();
const agent = createAgentClient({ url, token });

try {
  const { nodeId, bootId } = await agent.health.query();
  console.log(`agent of node ${nodeId} (boot ${bootId})`);
  const { interfaceName } = await agent.setupNode.mutate({ nodeId, nodeIpCidr: '10.0.0.1/24', nodesIps: [] });
  console.log(`node bridge: ${interfaceName}`);
  const instance = await agent.setupInstance.mutate({
    nodeId,
    nodeIpAddr: '10.0.0.1',
    instanceId: 'web-1',
    instanceIpCidr: '10.0.0.2/24',
    ports: [{ hostPort: 8080, instancePort: 80, protocol: 'tcp' }],
  });
  console.log(`web-1: namespace ${instance.namespaceName}, port 8080 of the node leads to its port 80`);
} catch (error) {
  const { code, field, reason } = toAgentErrorData(error);
  console.error(`failed: ${code}${field ? ` (${field})` : ''}: ${reason}`);
  process.exitCode = 1;
}
