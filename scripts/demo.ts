/**
 * A short tour of netcore in a sandbox: a lab node with two instances that ping each other, a port
 * mapping reached from outside, then everything removed. Nothing touches the machine's own namespace.
 */
import { createLab } from '@kudo/netcore/lab';
import { ping, request, startServer } from '@kudo/netcore/testing';

const step = (text: string) => console.log(`\n▸ ${text}`);
const check = (label: string, ok: boolean) => {
  console.log(`  ${ok ? '✔' : '✘'} ${label}`);
  if (!ok) process.exitCode = 1;
};

const lab = await createLab({ nodeCount: 1 });
const stop = async () => {
  await lab.destroy();
};
process.once('SIGINT', () => void stop().then(() => process.exit(130)));
try {
  const [node] = lab.nodes;
  if (!node) throw new Error('lab has no node');
  const net = lab.netcoreFor(node.name);
  step(
    `lab ${lab.prefix}: node ${node.name} at ${node.externalIpAddr}, outside client at ${lab.outside.ipAddr}`,
  );
  const { interfaceName } = await net.setupNode({
    nodeId: node.name,
    nodeIpCidr: '10.0.0.1/24',
    nodesIps: [],
  });
  console.log(`  bridge ${interfaceName} with 10.0.0.1/24`);
  const web = await net.setupInstance({
    nodeId: node.name,
    nodeIpAddr: '10.0.0.1',
    instanceId: 'web-1',
    instanceIpCidr: '10.0.0.2/24',
    ports: [{ hostPort: 80, instancePort: 8080, protocol: 'tcp' }],
  });
  const db = await net.setupInstance({
    nodeId: node.name,
    nodeIpAddr: '10.0.0.1',
    instanceId: 'db-1',
    instanceIpCidr: '10.0.0.3/24',
    ports: [],
  });
  console.log(`  instances: web-1 in ${web.namespaceName}, db-1 in ${db.namespaceName}`);
  step('traffic');
  check('web-1 pings db-1 (10.0.0.3)', await ping({ from: web.namespaceName, to: '10.0.0.3' }));
  check('db-1 pings web-1 (10.0.0.2)', await ping({ from: db.namespaceName, to: '10.0.0.2' }));
  const server = await startServer({ namespace: web.namespaceName, port: 8080, name: 'web-1' });
  const answer = await request({ from: lab.outside.namespace, host: node.externalIpAddr, port: 80 });
  check(
    `outside → ${node.externalIpAddr}:80 → web-1:8080 answers "${answer ?? 'nothing'}"`,
    answer?.includes(lab.outside.ipAddr) ?? false,
  );
  await server.stop();
  step('clean up');
  await net.cleanInstance({ instanceId: 'web-1' });
  await net.cleanInstance({ instanceId: 'db-1' });
  await net.cleanNode({ nodeId: node.name });
  console.log('  instances and node cleaned');
} finally {
  await stop();
  console.log(`  lab ${lab.prefix} removed`);
}
