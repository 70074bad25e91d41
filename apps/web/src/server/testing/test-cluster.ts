import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentProcess, spawnLabAgentProcess } from '@kudo/agent/testing';
import { createLab, type Lab } from '@kudo/netcore/lab';
import { afterAll, beforeAll, inject } from 'vitest';
import type { AgentGateway } from '../agents/agent-gateway.js';
import { createTrpcAgentGateway } from '../agents/trpc-agent-gateway.js';
import { createCleanupSteps } from './cleanup-steps.js';
import { startLabAgents } from './lab-agents.js';
import { createTestDatabase } from './test-database.js';
import { createTestControlPlane } from './test-services.js';

export type TestControlPlane = ReturnType<typeof createTestControlPlane>;

export type TestClusterOptions = {
  nodeCount: number;
  /** The deadline of the control plane's calls to an agent (30 s, as in production). */
  timeoutMs?: number;
  /** Wraps the real gateway: a test holds or fails an agent call at the moment it chooses. */
  wrapGateway?: (real: AgentGateway) => AgentGateway;
  /**
   * Nodes whose agent is the real CLI in its own process, so the test can SIGKILL or SIGSTOP it and
   * start it again on its port; the other nodes' agents run in the test's process.
   */
  agentProcesses?: readonly string[];
  /** Nodes added through the control plane (by the admin) once everything runs, in this order. */
  addedNodes?: readonly string[];
};

type ProcessAgent = { name: string; token: string; tokenFile: string; bootIdFile: string };

/**
 * A lab cluster driven by a control plane in the test's process: a netcore lab of `nodeCount` node
 * namespaces (named after the run), one real agent per node, a migrated database of its own, and the
 * control plane over them with its router as each kind of user calls it. `stop()` takes everything down
 * (the test's own `onStop` steps first, the lab last), each step even after another failed; a failure
 * while starting undoes what was started.
 */
export const startTestCluster = async ({
  nodeCount,
  timeoutMs = 30_000,
  wrapGateway = (real) => real,
  agentProcesses = [],
  addedNodes = [],
}: TestClusterOptions) => {
  const cleanup = createCleanupSteps();
  try {
    const lab: Lab = await createLab({
      prefix: `${inject('runPrefix')}-${randomBytes(2).toString('hex')}`,
      nodeCount,
    });
    cleanup.add(() => lab.destroy());
    const database = await createTestDatabase();
    cleanup.add(() => database.remove());
    const directory = await mkdtemp(join(tmpdir(), 'kudo-web-cluster-'));
    cleanup.add(() => rm(directory, { recursive: true, force: true }));

    const labAgents = await startLabAgents({
      lab,
      nodeNames: lab.nodes.map(({ name }) => name).filter((name) => !agentProcesses.includes(name)),
    });
    cleanup.add(() => labAgents.stopAll());

    const processAgents: ProcessAgent[] = [];
    const spawned: AgentProcess[] = [];
    const current = new Map<string, { process: AgentProcess; url: string }>();
    cleanup.add(() => Promise.all(spawned.map((agent) => agent.kill())));
    const spawnAgent = async ({ name, port }: { name: string; port: number }) => {
      const { tokenFile, bootIdFile } = findProcessAgent(name);
      const agent = spawnLabAgentProcess({
        nodeId: name,
        namespace: findNode(name).namespace,
        port,
        tokenFile,
        bootIdFile,
      });
      spawned.push(agent);
      current.set(name, { process: agent, url: await agent.listening });
      return agent;
    };
    const findNode = (name: string) => {
      const node = lab.nodes.find((candidate) => candidate.name === name);
      if (!node) throw new Error(`the lab has no ${name}`);
      return node;
    };
    const findProcessAgent = (name: string) => {
      const agent = processAgents.find((candidate) => candidate.name === name);
      if (!agent) throw new Error(`${name}'s agent is not one of agentProcesses`);
      return agent;
    };
    const findCurrent = (name: string) => {
      const found = current.get(name);
      if (!found) throw new Error(`${name}'s agent process has not started`);
      return found;
    };
    for (const name of agentProcesses) {
      const agent = {
        name,
        token: randomBytes(24).toString('hex'),
        tokenFile: join(directory, `${name}.token`),
        bootIdFile: join(directory, `${name}.boot_id`),
      };
      await writeFile(agent.tokenFile, `${agent.token}\n`, { mode: 0o600 });
      await writeFile(agent.bootIdFile, 'boot-1\n');
      processAgents.push(agent);
      await spawnAgent({ name, port: 0 });
    }

    const plane = createTestControlPlane({
      db: database.db,
      gateway: wrapGateway(createTrpcAgentGateway({ timeoutMs })),
    });
    /** What `node.add` needs to register a node's agent. */
    const toAddRequest = (name: string) =>
      agentProcesses.includes(name)
        ? {
            agentUrl: findCurrent(name).url,
            agentToken: findProcessAgent(name).token,
            externalIpAddr: findNode(name).externalIpAddr,
          }
        : {
            agentUrl: labAgents.get(name).url,
            agentToken: labAgents.get(name).token,
            externalIpAddr: findNode(name).externalIpAddr,
          };
    for (const name of addedNodes) await plane.admin.node.add(toAddRequest(name));

    return {
      lab,
      database,
      plane,
      /** The agents running in the test's process (every node but those of `agentProcesses`). */
      agents: labAgents.agents,
      /** A node's agent in the test's process, by node name. */
      agent: (name: string) => labAgents.get(name),
      /** The running CLI process of a node of `agentProcesses`. */
      agentProcess: (name: string) => findCurrent(name).process,
      /** Starts a node's CLI agent again on its port (its previous process must have ended). */
      restartAgentProcess: ({ name }: { name: string }) =>
        spawnAgent({ name, port: Number(new URL(findCurrent(name).url).port) }),
      toAddRequest,
      /** Makes an in-process agent report a new boot id, as after a reboot. */
      reboot: labAgents.reboot,
      /** A teardown step of the test's own (servers, relays, ...), run before the cluster's. */
      onStop: cleanup.add,
      stop: cleanup.run,
    };
  } catch (error) {
    await cleanup.run().catch(() => undefined);
    throw error;
  }
};

export type TestCluster = Awaited<ReturnType<typeof startTestCluster>>;

/**
 * `startTestCluster` for a test file (inside `describeWithNamespaces`): started before its tests, stopped
 * after them whatever happened. Returns a getter that throws if used before the cluster exists. Give the
 * test's own teardown to `onStop`, not to an `afterAll` of its own: vitest runs `afterAll` hooks one after
 * the other, the last registered first, and one that fails skips the rest (this one included).
 */
export const useTestCluster = (options: TestClusterOptions) => {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = await startTestCluster(options);
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error('the test cluster is not started yet');
    return cluster;
  };
};
