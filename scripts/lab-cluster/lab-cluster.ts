import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLab, type Lab, type LabNode } from '@kudo/netcore/lab';
import { migrateDatabase } from '@kudo/web/scripting';
import { ensureAgentBundle } from './agent-bundle.js';
import { describeJoinCommand, joinLabMachine } from './agent-join.js';
import { type ApiClient, createApiClient, signIn } from './api-client.js';
import { type LabControlPlane, startLabControlPlane } from './control-plane.js';

export type LabAgent = {
  nodeName: string;
  namespace: string;
  externalIpAddr: string;
  /** Where the agent serves: HTTPS on the machine's uplink address (mTLS for the control plane). */
  url: string;
  /** A bearer token the agent also accepts, over TLS only: for an admin's scripts. */
  token: string;
  /** The agent's process (nsenter execs node): what a benchmark stops if it must exit at once. */
  pid: number | undefined;
};

/** One `ip -n NAMESPACE ...` in a lab namespace (never this machine's own). */
const runIp = ({ namespace, args }: { namespace: string; args: string[] }) =>
  promisify(execFile)('ip', ['-n', namespace, ...args]);

/** Runs every step of a teardown, even after one fails, and reports all failures at the end. */
const runAll = async (steps: (() => Promise<unknown>)[]) => {
  const failures: string[] = [];
  for (const step of steps)
    try {
      await step();
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  if (failures.length > 0) throw new Error(`cleanup failed: ${failures.join('; ')}`);
};

/** Waits until the control plane has set a node up (pending -> ready), or says what it is instead. */
export const waitForNodeReady = async ({
  api,
  nodeId,
  timeoutMs = 120_000,
}: {
  api: ApiClient;
  nodeId: string;
  timeoutMs?: number;
}) => {
  const deadline = Date.now() + timeoutMs;
  let last = 'not registered';
  while (Date.now() < deadline) {
    const node = await api.node.get.query({ nodeId }).catch(() => undefined);
    if (node?.status === 'ready') return node;
    if (node) last = `${node.status}${node.statusReason ? ` (${node.statusReason})` : ''}`;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${nodeId} did not become ready within ${timeoutMs / 1000} s: ${last}`);
};

/**
 * Joins one lab machine as an admin does on a real one: a join token from the control plane, then the
 * packaged agent's `join` run on the machine, then the control plane's setup of the node until it is ready.
 */
export const joinLabNode = async ({
  api,
  controlPlane,
  node,
  bundle,
  dataDir,
  ipAddr = node.externalIpAddr,
  isReadyAwaited = true,
}: {
  api: ApiClient;
  controlPlane: Pick<LabControlPlane, 'server'>;
  node: LabNode;
  bundle: string;
  dataDir: string;
  /** The address the agent serves on, and the control plane reaches the node on (default: its uplink's). */
  ipAddr?: string;
  /** Whether to wait until the node is ready (a node whose peers cannot route to it never is). */
  isReadyAwaited?: boolean;
}) => {
  const { token, caHash } = await api.joinToken.create.mutate({ description: `lab machine ${node.name}` });
  const tokenFile = join(dataDir, 'tokens', node.name);
  const adminToken = randomBytes(24).toString('hex');
  await mkdir(join(dataDir, 'tokens'), { recursive: true, mode: 0o700 });
  await writeFile(tokenFile, `${adminToken}\n`, { mode: 0o600 });
  const request = {
    bundle,
    machine: { namespace: node.namespace, ipAddr },
    server: controlPlane.server,
    token,
    caHash,
    nodeId: node.name,
    // A machine that joins again (after its node was removed) starts from a fresh config dir, as a
    // reinstalled machine would.
    configDir: join(dataDir, `${node.name}-${randomBytes(3).toString('hex')}`),
    tokenFile,
    namespacePrefix: node.namespace,
  };
  const agent = await joinLabMachine({ request, logFile: join(dataDir, 'agents.log') });
  try {
    if (isReadyAwaited) await waitForNodeReady({ api, nodeId: node.name });
  } catch (error) {
    await agent.stop();
    throw error;
  }
  return { agent, adminToken, joinToken: token, command: describeJoinCommand(request) };
};

/**
 * A whole Kudo cluster in a sandbox, the way it runs on real machines: a netcore lab of `nodeCount` node
 * machines and a control plane machine (namespaces on a private underlay); the control plane (`next start`
 * and its HTTPS front, in its namespace), reached from this machine at `http://host:port`; and on each node
 * machine the packaged agent (`kudo-agent.mjs join`, plain node, in the machine's namespace) joined with a
 * one-time token over TLS. `stop()` ends the agents and the control plane and removes the lab; a failure
 * while starting undoes what was started. Used by `npm start` and by the browser tests.
 */
export const startLabCluster = async ({
  root,
  prefix,
  nodeCount,
  host = '127.0.0.1',
  port,
  dataDir,
  adminPassword = randomBytes(12).toString('base64url'),
  viewerPassword = randomBytes(12).toString('base64url'),
  healthIntervalMs = 10_000,
  log = () => undefined,
  signal,
}: {
  root: string;
  prefix: string;
  nodeCount: number;
  host?: string;
  port: number;
  dataDir: string;
  adminPassword?: string;
  viewerPassword?: string;
  healthIntervalMs?: number;
  log?: (line: string) => void;
  /** Aborting it while starting undoes what was started (Ctrl-C during `npm start`). */
  signal?: AbortSignal;
}) => {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  /** Every secret this cluster was given or made, for a test that checks none of them is in a log. */
  const usedSecrets: { label: string; value: string }[] = [
    { label: 'admin password', value: adminPassword },
    { label: 'viewer password', value: viewerPassword },
  ];
  const cleanup: (() => Promise<unknown>)[] = [];
  const stop = () => runAll([...cleanup].reverse());
  const step = (line: string) => {
    signal?.throwIfAborted();
    log(line);
  };
  try {
    const bundle = await ensureAgentBundle({ root, log });
    step(`creating lab ${prefix} with ${nodeCount} node(s) and a control plane machine`);
    const lab: Lab = await createLab({ prefix, nodeCount, hasControlPlane: true });
    cleanup.push(() => lab.destroy());
    const machine = lab.controlPlane;
    if (!machine) throw new Error(`lab ${prefix} has no control plane machine`);

    const databaseUrl = `file:${join(dataDir, 'kudo.db')}`;
    step('migrating the database');
    await migrateDatabase({ databaseUrl, from: root });

    step(
      `starting the control plane in ${machine.namespace} (https://${machine.ipAddr}:3443 on the underlay)`,
    );
    const controlPlane = await startLabControlPlane({
      root,
      machine,
      dataDir,
      host,
      port,
      webEnv: {
        KUDO_DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        KUDO_ADMIN_PASSWORD: adminPassword,
        KUDO_VIEWER_PASSWORD: viewerPassword,
        KUDO_HEALTH_INTERVAL_MS: String(healthIntervalMs),
        // The browser reaches the dashboard on this machine's loopback, over plain HTTP.
        KUDO_COOKIE_SECURE: 'never',
      },
    });
    cleanup.push(() => controlPlane.stop());
    step(`dashboard on ${controlPlane.url}`);

    const cookie = await signIn({ baseUrl: controlPlane.url, name: 'admin', password: adminPassword });
    const api: ApiClient = createApiClient({ baseUrl: controlPlane.url, cookie });
    usedSecrets.push({
      label: 'session cookie of the lab API client',
      value: cookie.slice(cookie.indexOf('=') + 1),
    });
    const rememberJoin = ({
      nodeName,
      joined,
    }: {
      nodeName: string;
      joined: { joinToken: string; adminToken: string };
    }) =>
      usedSecrets.push(
        { label: `join token of ${nodeName}`, value: joined.joinToken },
        { label: `agent bearer token of ${nodeName}`, value: joined.adminToken },
      );
    const agents: LabAgent[] = [];
    const joinCommands: string[] = [];
    // The agent serving on each machine (a machine that joins again gets a new one).
    const runningAgents = new Map<string, { stop: () => Promise<void> }>();
    cleanup.push(() => runAll([...runningAgents.values()].map((agent) => () => agent.stop())));
    for (const node of lab.nodes) {
      step(`joining ${node.name} (${node.externalIpAddr}): kudo-agent.mjs join in ${node.namespace}`);
      const joined = await joinLabNode({ api, controlPlane, node, bundle, dataDir });
      runningAgents.set(node.name, joined.agent);
      rememberJoin({ nodeName: node.name, joined });
      joinCommands.push(joined.command);
      agents.push({
        nodeName: node.name,
        namespace: node.namespace,
        externalIpAddr: node.externalIpAddr,
        url: joined.agent.url,
        token: joined.adminToken,
        pid: joined.agent.pid,
      });
    }
    signal?.throwIfAborted();
    return {
      lab,
      agents,
      web: { url: controlPlane.url, pid: controlPlane.pid, stop: controlPlane.stop },
      controlPlane,
      joinCommands,
      api,
      credentials: { admin: adminPassword, viewer: viewerPassword },
      /** The secrets of this cluster so far; a test adds those it makes (API tokens, browser cookies). */
      usedSecrets,
      rememberSecret: (secret: { label: string; value: string }) => usedSecrets.push(secret),
      /** Where the control plane (`next start`, its host) and the agents write their output. */
      logFiles: [controlPlane.logFile, join(dataDir, 'agents.log')],
      dataDir,
      /**
       * A machine joins again, as an admin re-installs a removed node: its agent stops, and the packaged
       * agent joins with a new token; resolves once it serves. With `externalAddress`, the machine is given
       * that address behind a router that only the control plane's machine knows (the other nodes, on the
       * underlay, cannot route to it), and the node joins on it.
       */
      rejoinNode: async ({ nodeName, externalAddress }: { nodeName: string; externalAddress?: string }) => {
        const node = lab.nodes.find(({ name }) => name === nodeName);
        if (!node) throw new Error(`lab ${prefix} has no machine ${nodeName}`);
        await runningAgents.get(nodeName)?.stop();
        if (externalAddress) {
          await runIp({
            namespace: node.namespace,
            args: ['addr', 'replace', `${externalAddress}/32`, 'dev', 'eth0'],
          });
          await runIp({
            namespace: machine.namespace,
            args: ['route', 'replace', `${externalAddress}/32`, 'via', node.externalIpAddr],
          });
        }
        const joined = await joinLabNode({
          api,
          controlPlane,
          node,
          bundle,
          dataDir,
          ipAddr: externalAddress,
          isReadyAwaited: false,
        });
        runningAgents.set(nodeName, joined.agent);
        rememberJoin({ nodeName, joined });
        return joined;
      },
      /** Runs a teardown step with the others (e.g. demo servers), before the agents and the lab go. */
      onStop: (step: () => Promise<unknown>) => cleanup.push(step),
      stop,
    };
  } catch (error) {
    await stop().catch((cleanupError: unknown) => log(String(cleanupError)));
    throw error;
  }
};

export type LabCluster = Awaited<ReturnType<typeof startLabCluster>>;
