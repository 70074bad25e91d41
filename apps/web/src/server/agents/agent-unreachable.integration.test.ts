import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Agent, startAgent } from '@kudo/agent';
import { type AgentProcess, spawnLabAgentProcess } from '@kudo/agent/testing';
import { ping } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { TRPCError } from '@trpc/server';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findDatabaseProblems, findKernelProblems } from '../testing/cluster-audit.js';
import { createTestDatabase } from '../testing/test-database.js';
import { createTestControlPlane } from '../testing/test-services.js';
import { createTrpcAgentGateway } from './trpc-agent-gateway.js';

const catchTrpc = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
};

/**
 * node1's agent (the real CLI, in its own process) cannot be reached while the control plane changes
 * things on it: first it is gone (connections refused), then it hangs (SIGSTOP: calls time out). Every
 * change must fail visibly, be recorded as pending, leave node1 not ready with the reason, keep every
 * record consistent, and a retry once the agent is back must complete it all.
 */
describeWithNamespaces('agent unreachable during a change', () => {
  const lab = useTestLab({ nodeCount: 3 });
  let directory: string;
  let tokenFile: string;
  let bootIdFile: string;
  const token = randomBytes(24).toString('hex');
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let plane: ReturnType<typeof createTestControlPlane>;
  let node1Agent: AgentProcess;
  let node1Url = '';
  const processes: AgentProcess[] = [];
  const inProcess: { agent: Agent; token: string; externalIpAddr: string }[] = [];
  const getNode = (index: number) => {
    const node = lab().nodes[index];
    if (!node) throw new Error(`the lab has no node ${index + 1}`);
    return node;
  };
  const startNode1Agent = async ({ port }: { port: number }) => {
    node1Agent = spawnLabAgentProcess({
      nodeId: 'node1',
      namespace: getNode(0).namespace,
      port,
      tokenFile,
      bootIdFile,
    });
    processes.push(node1Agent);
    node1Url = await node1Agent.listening;
  };
  const statusOf = async (nodeId: string) => {
    const { status, statusReason } = await plane.viewer.node.get({ nodeId });
    return { status, statusReason };
  };
  const expectConsistent = async () => {
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);
  };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-unreachable-'));
    tokenFile = join(directory, 'token');
    bootIdFile = join(directory, 'boot_id');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    await writeFile(bootIdFile, 'boot-1\n');
    database = await createTestDatabase();
    // A short deadline: a hung agent fails a call after 5 s instead of 30.
    plane = createTestControlPlane({
      db: database.db,
      gateway: createTrpcAgentGateway({ timeoutMs: 5_000 }),
    });
    await startNode1Agent({ port: 0 });
    for (const index of [1, 2]) {
      const agentToken = randomBytes(24).toString('hex');
      const agent = await startAgent({
        nodeId: `node${index + 1}`,
        hostNamespace: getNode(index).namespace,
        port: 0,
        token: agentToken,
        bootIdFile,
        logger: pino({ level: 'silent' }),
      });
      inProcess.push({ agent, token: agentToken, externalIpAddr: getNode(index).externalIpAddr });
    }
    await plane.admin.node.add({
      agentUrl: node1Url,
      agentToken: token,
      externalIpAddr: getNode(0).externalIpAddr,
    });
    const [node2] = inProcess;
    if (!node2) throw new Error('no node2 agent');
    await plane.admin.node.add({
      agentUrl: node2.agent.url,
      agentToken: node2.token,
      externalIpAddr: node2.externalIpAddr,
    });
    for (const [index, instanceId] of ['web-1', 'web-2'].entries())
      await plane.admin.instance.create({
        nodeId: 'node1',
        instanceId,
        ports: [{ hostPort: 8000 + index, instancePort: 80, protocol: 'tcp' }],
      });
    await plane.admin.instance.create({ nodeId: 'node2', instanceId: 'probe-2' });
  });
  afterAll(async () => {
    for (const agent of processes) await agent.kill();
    for (const { agent } of inProcess) await agent.close();
    await database?.remove();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('with the agent gone, each change fails, is recorded, and marks the node', async () => {
    await node1Agent.kill('SIGKILL');

    const created = await catchTrpc(plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-3' }));
    expect(created.code).toBe('BAD_GATEWAY');
    expect(created.message).toContain('kept as failed');
    expect(await plane.viewer.instance.get({ instanceId: 'web-3' })).toMatchObject({
      status: 'failed',
      ipAddr: '10.0.0.4',
    });
    expect(await statusOf('node1')).toMatchObject({ status: 'unreachable' });

    const moved = await catchTrpc(
      plane.admin.portMapping.set({ instanceId: 'web-1', ports: [{ hostPort: 9000, instancePort: 80 }] }),
    );
    expect(moved.code).toBe('BAD_GATEWAY');
    const deleted = await catchTrpc(plane.admin.instance.delete({ instanceId: 'web-2' }));
    expect(deleted.code).toBe('BAD_GATEWAY');
    // Kept as asked: the new mapping is wanted, the deletion is under way and its address still held.
    expect((await plane.viewer.instance.get({ instanceId: 'web-1' })).portMappings).toEqual([
      expect.objectContaining({ hostPort: 9000, instancePort: 80, protocol: 'tcp' }),
    ]);
    expect(await plane.viewer.instance.get({ instanceId: 'web-2' })).toMatchObject({
      status: 'deleting',
      ipAddr: '10.0.0.3',
    });
    await expectConsistent();

    const [, node3] = inProcess;
    if (!node3) throw new Error('no node3 agent');
    const added = await plane.admin.node.add({
      agentUrl: node3.agent.url,
      agentToken: node3.token,
      externalIpAddr: node3.externalIpAddr,
    });
    expect(added.status).toBe('degraded');
    expect(added.statusReason).toContain('newNodeInCluster(node3) not yet applied on node node1');
    await plane.admin.instance.create({ nodeId: 'node3', instanceId: 'probe-3' });

    const check = await plane.admin.node.check({ nodeId: 'node1' });
    expect(check.status).toBe('unreachable');
    expect(check.reason).toContain(`agent at ${node1Url} did not answer`);
    const pending = (await plane.viewer.node.get({ nodeId: 'node1' })).pendingChanges;
    expect(pending.map(({ nodeId, subjectId, kind }) => `${kind} ${nodeId} ${subjectId}`).sort()).toEqual([
      'newNodeInCluster node1 node3',
      'reapplyNode node1 node1',
    ]);
    const { entries } = await plane.viewer.event.list({ limit: 20 });
    const failures = entries.filter(({ result, actor }) => result === 'error' && actor === 'alice');
    expect(failures.map(({ action, targetId }) => `${action} ${targetId}`).sort()).toEqual([
      'instance.create web-3',
      'instance.delete web-2',
      'portMapping.set web-1',
    ]);
    await expectConsistent();
  });

  it('back on its port, a retry completes every change', { timeout: 120_000 }, async () => {
    await startNode1Agent({ port: Number(new URL(node1Url).port) });
    expect(await plane.admin.node.retry({ nodeId: 'node1' })).toEqual({ status: 'ready', reason: null });
    expect(await plane.admin.node.check({ nodeId: 'node3' })).toEqual({ status: 'ready', reason: null });
    const instances = await plane.viewer.instance.list({ nodeId: 'node1' });
    expect(instances.map(({ id, status }) => `${id} ${status}`)).toEqual(['web-1 running', 'web-3 running']);
    expect((await plane.viewer.node.get({ nodeId: 'node1' })).pendingChanges).toEqual([]);
    for (const [index, nodeId] of ['node1', 'node2', 'node3'].entries())
      expect(
        await findKernelProblems({ db: plane.deps.db, nodeId, namespace: getNode(index).namespace }),
      ).toEqual([]);
    await expectConsistent();
    const probe3 = (await plane.viewer.instance.get({ instanceId: 'probe-3' })).namespaceName ?? '';
    expect(await ping({ from: probe3, to: '10.0.0.4' })).toBe(true);
  });

  it('with the agent hung, calls time out, are recorded, and complete once it answers again', {
    timeout: 120_000,
  }, async () => {
    node1Agent.signal('SIGSTOP');
    // node1 misses node3's removal: it still routes to a gone node, so it is degraded until told.
    expect(await plane.admin.node.remove({ nodeId: 'node3', force: true })).toMatchObject({
      isRemoved: true,
    });
    expect(await statusOf('node1')).toMatchObject({
      status: 'degraded',
      statusReason: expect.stringContaining('deleteNodeInCluster(node3) not yet applied'),
    });
    expect(
      (await plane.viewer.node.get({ nodeId: 'node1' })).pendingChanges.map(
        ({ kind, subjectId }) => `${kind} ${subjectId}`,
      ),
    ).toEqual(['deleteNodeInCluster node3']);
    const created = await catchTrpc(plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-4' }));
    expect(created.code).toBe('BAD_GATEWAY');
    expect(created.message).toContain('did not answer setupInstance in time');
    expect(await statusOf('node1')).toMatchObject({ status: 'unreachable' });
    const deleted = await catchTrpc(plane.admin.instance.delete({ instanceId: 'web-3' }));
    expect(deleted.code).toBe('BAD_GATEWAY');
    await expectConsistent();

    node1Agent.signal('SIGCONT');
    expect(await plane.admin.node.retry({ nodeId: 'node1' })).toEqual({ status: 'ready', reason: null });
    const instances = await plane.viewer.instance.list({ nodeId: 'node1' });
    expect(instances.map(({ id, status }) => `${id} ${status}`)).toEqual(['web-1 running', 'web-4 running']);
    // Neither node1 (told by the retry) nor node2 (told at once) routes to node3 any more.
    for (const [index, nodeId] of ['node1', 'node2'].entries())
      expect(
        await findKernelProblems({ db: plane.deps.db, nodeId, namespace: getNode(index).namespace }),
      ).toEqual([]);
    await expectConsistent();
  });
});
