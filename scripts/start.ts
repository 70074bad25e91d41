/**
 * `npm start`: the whole Kudo cluster in a sandbox on this machine, set up the way it is on real machines.
 * Installs what is missing, builds the dashboard and the packaged agent, brings up a lab of machines
 * (network namespaces on a private underlay, never the machine's own): the control plane on one of them,
 * and on each node machine `kudo-agent.mjs join` with a one-time token, over TLS. The dashboard is reached
 * at http://127.0.0.1:3000 (piped to the control plane's unix socket), with example instances. Ctrl-C
 * removes everything: agents, control plane, namespaces, sockets and the data directory.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createLabPrefix } from '@kudo/netcore/lab';
import { ensureAgentBundle } from './lab-cluster/agent-bundle.js';
import { readScriptEnv } from './lab-cluster/env.js';
import type { LabCluster } from './lab-cluster/lab-cluster.js';
import { ensureWebBuild } from './lab-cluster/web-build.js';
import { requireRoot } from './system-deps.js';

const root = join(import.meta.dirname, '..');
const say = (line: string) => console.log(`[kudo] ${line}`);

requireRoot({ what: 'npm start' });
const env = readScriptEnv();
try {
  await ensureWebBuild({ root, log: (line) => console.log(`  ${line}`) });
  await ensureAgentBundle({ root, log: (line) => console.log(`  ${line}`) });
} catch (error) {
  console.error(
    `[kudo] the dashboard or the agent could not be built: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}

// Imported once the build step has generated the Prisma client (a fresh clone has none).
const { startLabCluster } = await import('./lab-cluster/lab-cluster.js');
const { createExampleInstances } = await import('./lab-cluster/example-instances.js');

const dataDir = join(root, 'data', 'lab-cluster');
rmSync(dataDir, { recursive: true, force: true });
const prefix = createLabPrefix({ name: `start-${randomBytes(2).toString('hex')}` });

let cluster: LabCluster | undefined;
let isStopping = false;
const starting = new AbortController();
const stop = async (code: number) => {
  if (isStopping) {
    // Ctrl-C reaches this process more than once (from the terminal and relayed by npm and tsx).
    say('still removing the lab, one moment…');
    return;
  }
  isStopping = true;
  say('stopping the dashboard and the agents, removing the lab…');
  if (!cluster) {
    // Still starting: startLabCluster undoes what it started, then the start below fails and exits.
    process.exitCode = code;
    starting.abort();
    return;
  }
  try {
    await cluster.stop();
    // The CA key, the agents' keys and tokens, the database: nothing of this sandbox outlives it.
    await rm(dataDir, { recursive: true, force: true });
    say(`lab ${prefix} and ${dataDir} removed`);
  } catch (error) {
    console.error(`[kudo] ${error instanceof Error ? error.message : String(error)}`);
    console.error(`[kudo] remove what is left with: ${cleanupCommand}`);
    code = 1;
  }
  process.exit(code);
};
const cleanupCommand = `npm run lab -- down --name ${prefix.replace(/^kudo-lab-/, '')}`;
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));

try {
  cluster = await startLabCluster({
    root,
    prefix,
    nodeCount: env.KUDO_LAB_NODES,
    host: env.KUDO_WEB_HOST,
    port: env.KUDO_WEB_PORT,
    dataDir,
    ...(env.KUDO_ADMIN_PASSWORD ? { adminPassword: env.KUDO_ADMIN_PASSWORD } : {}),
    ...(env.KUDO_VIEWER_PASSWORD ? { viewerPassword: env.KUDO_VIEWER_PASSWORD } : {}),
    log: say,
    signal: starting.signal,
  });
  const examples = await createExampleInstances({ cluster });
  const reachable = examples.filter((example) => example.url);
  console.log(`
  Kudo Network is running: ${cluster.web.url}

  Sign in (shown on this console only, never logged; invite others on the Users page)
    admin   ${cluster.credentials.admin}   (role admin: everything)
    viewer  ${cluster.credentials.viewer}   (role viewer: read-only)

  Lab ${prefix}: control plane ${cluster.controlPlane.server} (in ${cluster.lab.controlPlane?.namespace}),
    nodes ${cluster.agents.map((agent) => `${agent.nodeName} ${agent.url}`).join(', ')}
    each node joined as on a real machine (token left out):
${cluster.joinCommands.map((command) => `      ${command}`).join('\n')}
    instances: ${examples.map((example) => `${example.instanceId} (${example.ipAddr} on ${example.nodeName})`).join(', ')}
    from the lab's outside client (${cluster.lab.outside.ipAddr}):
${reachable.map((example) => `      ip netns exec ${cluster?.lab.outside.namespace} curl -s ${example.url}`).join('\n')}

  Logs: ${join(dataDir, 'web.log')}, ${join(dataDir, 'agents.log')} (removed on Ctrl-C)
  Press Ctrl-C to stop everything and remove the lab (if this process is killed instead: ${cleanupCommand}).
`);
} catch (error) {
  if (starting.signal.aborted) {
    say(`lab ${prefix} removed`);
    process.exit(process.exitCode ?? 130);
  }
  console.error(`[kudo] npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  // A failure while starting was undone by startLabCluster; after it, the cluster is stopped here.
  if (!cluster) process.exit(1);
  isStopping = false;
  await stop(1);
}
