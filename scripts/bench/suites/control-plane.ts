import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabNode } from '@kudo/netcore/lab';
import { findFreePort } from '@kudo/web/scripting';
import { ensureAgentBundle } from '../../lab-cluster/agent-bundle.js';
import { signIn } from '../../lab-cluster/api-client.js';
import { ensureWebBuild } from '../../lab-cluster/web-build.js';
import { median, repeatMs } from '../measure.js';
import { createTracedNetcore, setupNetcoreNode, toSetupInstanceRequest } from '../methods/netcore.js';
import {
  type CallStats,
  createSocketDispatcher,
  createTimedApi,
  summarizeCalls,
  type TimedCall,
} from './control-plane-client.js';
import { type CpuPerCall, findWebServerProcesses, measureCpuPerCall } from './control-plane-cpu.js';

const root = join(import.meta.dirname, '..', '..', '..');
const nodeCount = 3;

/** Builds the dashboard and the packaged agent when out of date: before any timed section runs. */
export const prepareControlPlaneBench = async () => {
  const log = (line: string) => console.log(`  ${line}`);
  await ensureWebBuild({ root, log });
  await ensureAgentBundle({ root, log });
};

/** How much each part does: fewer calls and clients with `--quick`. */
export const planControlPlaneBench = ({ isQuick }: { isQuick: boolean }) => ({
  serialCalls: isQuick ? 5 : 30,
  clients: isQuick ? 10 : 50,
  concurrentCreations: isQuick ? 40 : 300,
});
export type ControlPlanePlan = ReturnType<typeof planControlPlaneBench>;

/** Calls one after the other, with the CPU time the control plane and the agents spent on each. */
export type MeasuredCalls = CallStats & { cpu: CpuPerCall };

/** A batch of calls from many clients at once: how many per second, and their latency. */
export type Throughput = MeasuredCalls & { clients: number; seconds: number; perSecond: number };

export type ControlPlaneResult = {
  nodes: number;
  /** The peer: netcore's setupInstance / cleanInstance called directly on a lab node, same run. */
  directSetupMs: number;
  directCleanMs: number;
  serialCreate: MeasuredCalls;
  serialDelete: MeasuredCalls;
  concurrentCreate: Throughput;
  concurrentDelete: Throughput;
};

/** One instance as the dashboard's form creates it: on a node, with one TCP host port. */
const toCreateRequest = ({ nodeIds, index }: { nodeIds: readonly string[]; index: number }) => ({
  nodeId: nodeIds[index % nodeIds.length] ?? '',
  instanceId: `bench-${index}`,
  ports: [{ hostPort: 20_000 + index, instancePort: 8080, protocol: 'tcp' as const }],
});

type TimedApi = ReturnType<typeof createTimedApi>;

/**
 * The warnings and errors the control plane and the agents logged (pino levels 40+, and whatever is not a
 * log line: a crash's stack trace): why calls failed.
 */
const printLoggedProblems = async ({ files }: { files: string[] }) => {
  for (const file of files) {
    const lines = (await readFile(file, 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => /"level":(4|5|6)\d/.test(line) || (line.trim() !== '' && !line.startsWith('{')));
    if (lines.length === 0) continue;
    console.error(`    ${lines.length} warnings and errors in ${file}, the last ones:`);
    for (const line of lines.slice(-10)) console.error(`      ${line.slice(0, 400)}`);
  }
};

/** `work(client, index)` for every index below `count`, each client making one call at a time. */
const runClients = async ({
  clients,
  count,
  work,
}: {
  clients: readonly TimedApi[];
  count: number;
  work: (client: TimedApi, index: number) => Promise<TimedCall>;
}): Promise<Omit<Throughput, 'cpu'>> => {
  const calls: TimedCall[] = [];
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (let index = next++; index < count; index = next++) calls.push(await work(client, index));
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  const stats = summarizeCalls(calls);
  return { ...stats, clients: clients.length, seconds, perSecond: stats.count / seconds };
};

/** The peer in the same run: netcore alone on a lab node, one fresh instance at a time, then removed. */
const measureDirectNetcore = async ({ node, calls }: { node: LabNode; calls: number }) => {
  const { net } = createTracedNetcore({ node });
  const idOf = (index: number) => `cp-peer-${index}`;
  try {
    await setupNetcoreNode({ net, node });
    const setupMs = await repeatMs({
      times: calls,
      work: (index) =>
        net.setupInstance(
          toSetupInstanceRequest({
            node,
            instance: { index, id: idOf(index), hostPort: 21_000 + index, instancePort: 8080 },
          }),
        ),
    });
    const cleanMs = await repeatMs({
      times: calls,
      work: (index) => net.cleanInstance({ instanceId: idOf(index) }),
    });
    return { directSetupMs: median(setupMs), directCleanMs: median(cleanMs) };
  } finally {
    for (let index = 0; index < calls; index += 1) await net.cleanInstance({ instanceId: idOf(index) });
    await net.cleanNode({ nodeId: node.name });
    net.close();
  }
};

/**
 * The path an admin uses: a whole cluster as `npm start` runs it (the built dashboard on its lab machine,
 * the packaged agent joined on 3 lab node machines, in namespaces `${labPrefix}-cp-...` of its own),
 * instances created and deleted through the web API as the dashboard does it (tRPC over HTTP with the
 * admin's session cookie; IPAM, database, agent, kernel). One call at a time, then `clients` clients at
 * once; each call's split per layer is the control plane's own `Server-Timing`. Everything it made is
 * deleted through the API, then the cluster and its data directory are removed, also when it fails.
 */
export const runControlPlane = async ({
  labPrefix,
  peerNode,
  plan,
}: {
  labPrefix: string;
  /** A lab node of the bench (not the cluster's) for the direct netcore peer. */
  peerNode: LabNode;
  plan: ControlPlanePlan;
}): Promise<ControlPlaneResult> => {
  const log = (line: string) => console.log(`    ${line}`);
  // Imported once the build step has generated the Prisma client (a fresh clone has none).
  const { startLabCluster } = await import('../../lab-cluster/lab-cluster.js');
  const dataDir = await mkdtemp(join(tmpdir(), 'kudo-bench-cp-'));
  const cluster = await startLabCluster({
    root,
    prefix: `${labPrefix}-cp`,
    nodeCount,
    port: await findFreePort(),
    dataDir,
    // The health monitor's own calls stay out of the way of the measured ones.
    healthIntervalMs: 600_000,
  }).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const stopOnExit = () => {
    for (const pid of [cluster.web.pid, ...cluster.agents.map((agent) => agent.pid)])
      if (pid) process.kill(pid, 'SIGTERM');
  };
  process.once('exit', stopOnExit);
  const created = new Set<string>();
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const cookie = await signIn({
      baseUrl: cluster.web.url,
      name: 'admin',
      password: cluster.credentials.admin,
    });
    const nodeIds = cluster.agents.map(({ nodeName }) => nodeName);
    const client = () => {
      const dispatcher = createSocketDispatcher({ socketPath: join(dataDir, 'web.sock') });
      stops.push(() => dispatcher.close());
      return createTimedApi({ dispatcher, cookie });
    };
    const create = ({ timed }: TimedApi, index: number) => {
      const request = toCreateRequest({ nodeIds, index });
      created.add(request.instanceId);
      return timed((api) => api.instance.create.mutate(request));
    };
    const remove = async ({ timed }: TimedApi, index: number) => {
      const instanceId = toCreateRequest({ nodeIds, index }).instanceId;
      const call = await timed((api) => api.instance.delete.mutate({ instanceId }));
      if (!call.error) created.delete(instanceId);
      return call;
    };

    const clients = Array.from({ length: plan.clients }, client);
    // Each client has its dashboard open before the burst: its connection is made and its session read.
    // Opened within the burst, 50 new connections to a saturated web server had about 30 first calls wait
    // for most of the burst (a p99 of 6-8 s at a median of 0.6-1.3 s): that measured opening connections
    // under load, not changes.
    await Promise.all(clients.map(({ api }) => api.user.me.query()));
    const webPids = cluster.web.pid ? await findWebServerProcesses({ hostPid: cluster.web.pid }) : [];
    const agentPids = cluster.agents.flatMap(({ pid }) => (pid ? [pid] : []));
    const measure = <T>(calls: number, work: () => Promise<T>) =>
      measureCpuPerCall({ webPids, agentPids, calls, work });
    const inSeries = async (work: (index: number) => Promise<TimedCall>) => {
      const { value: calls, cpu } = await measure(plan.serialCalls, async () => {
        const made: TimedCall[] = [];
        for (let index = 0; index < plan.serialCalls; index += 1) made.push(await work(index));
        return made;
      });
      return { ...summarizeCalls(calls), cpu };
    };
    const atOnce = async (work: (api: TimedApi, index: number) => Promise<TimedCall>) => {
      const { value, cpu } = await measure(plan.concurrentCreations, () =>
        runClients({ clients, count: plan.concurrentCreations, work }),
      );
      return { ...value, cpu };
    };

    log(`one admin, one call at a time: ${plan.serialCalls} creations, then their deletions`);
    const admin = client();
    const serialCreate = await inSeries((index) => create(admin, index));
    const serialDelete = await inSeries((index) => remove(admin, index));

    log(`${plan.clients} clients at once: ${plan.concurrentCreations} creations, then their deletions`);
    const offset = plan.serialCalls;
    const concurrentCreate = await atOnce((api, index) => create(api, offset + index));
    const concurrentDelete = await atOnce((api, index) => remove(api, offset + index));

    const results = [serialCreate, serialDelete, concurrentCreate, concurrentDelete];
    if (results.some(({ failures }) => failures.count > 0))
      await printLoggedProblems({
        files: [cluster.controlPlane.logFile, join(dataDir, 'agents.log')],
      });
    log('the peer: netcore setupInstance called directly');
    const direct = await measureDirectNetcore({ node: peerNode, calls: plan.serialCalls });
    return {
      nodes: nodeCount,
      ...direct,
      serialCreate,
      serialDelete,
      concurrentCreate,
      concurrentDelete,
    };
  } finally {
    const api = cluster.api;
    for (const instanceId of created) await api.instance.delete.mutate({ instanceId }).catch(() => undefined);
    for (const stop of stops) await stop();
    await cluster.stop();
    process.removeListener('exit', stopOnExit);
    await rm(dataDir, { recursive: true, force: true });
  }
};
