import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Agent, startAgent } from '@kudo/agent';
import { runIn } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
// The control plane as its own tests build it (a test database, the real agent gateway, its event relay).
import { createTrpcAgentGateway } from '../../web/src/server/agents/trpc-agent-gateway.js';
import type { AgentEventRelay } from '../../web/src/server/events/agent-event-relay.js';
// Its test projects' provided values (the database provider), which the test database reads.
import type {} from '../../web/src/server/testing/postgres-global-setup.js';
import { createTestDatabase } from '../../web/src/server/testing/test-database.js';
import { createTestControlPlane } from '../../web/src/server/testing/test-services.js';
import { type ContainerdSession, makeBusyboxRootfs, startContainerdSession } from './testing/index.js';
import { callKudoGc, toCtrContainerId, writeKudoConflist } from './testing/kudo-conflist.js';

const run = promisify(execFile);
const buildScript = new URL('../build.mjs', import.meta.url).pathname;

/** Polls a condition (the relay and containerd work asynchronously); the test's own timeout is the limit. */
const waitUntil = async (isDone: () => Promise<boolean>) => {
  while (!(await isDone())) await new Promise((resolve) => setTimeout(resolve, 50));
};

describeWithNamespaces('a container started by containerd is an instance of the control plane', () => {
  const lab = useTestLab({ nodeCount: 1 });
  const node = () => lab().nodes[0] ?? { namespace: '', externalIpAddr: '' };
  let directory = '';
  let plugin = '';
  let socket = '';
  let rootfs = '';
  let agent: Agent | undefined;
  let relay: AgentEventRelay | undefined;
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let plane: ReturnType<typeof createTestControlPlane>;
  let session: ContainerdSession | undefined;
  const ctr = (args: readonly string[]) => session?.ctr(args) ?? Promise.resolve('');
  const findByContainer = async (containerId: string) =>
    (await plane.admin.instance.list({ nodeId: 'node1' })).find(
      (instance) => instance.containerId === containerId,
    );

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-ctr-cp-'));
    plugin = join(directory, 'kudo');
    await run(process.execPath, [buildScript, plugin]);
    socket = join(directory, 'run', 'agent.sock');
    rootfs = await makeBusyboxRootfs({ directory });
    const token = randomBytes(24).toString('hex');
    await writeFile(join(directory, 'boot_id'), 'boot-1\n');
    agent = await startAgent({
      nodeId: 'node1',
      hostNamespace: node().namespace,
      port: 0,
      token,
      bootIdFile: join(directory, 'boot_id'),
      logger: pino({ level: 'silent' }),
      cniSocket: socket,
      cniStateFile: join(directory, 'state', 'cni-state.json'),
    });
    database = await createTestDatabase();
    plane = createTestControlPlane({
      db: database.db,
      gateway: createTrpcAgentGateway({ timeoutMs: 30_000 }),
    });
    relay = plane.services.startEventRelay({ retry: { baseMs: 20, maxMs: 200 }, lingerMs: 0 });
    // Set up through the control plane, which delegates the node's CNI range to its agent.
    await plane.admin.node.add({
      agentUrl: agent.url,
      agentToken: token,
      externalIpAddr: node().externalIpAddr,
    });
    session = await startContainerdSession({
      namespace: node().namespace,
      directory: join(directory, 'containerd'),
    });
    await run('cp', [plugin, join(session.binDirectory, 'kudo')]);
    await writeKudoConflist({
      directory: session.confDirectory,
      agentSocket: socket,
      portMappings: [{ hostPort: 8097, containerPort: 8080, protocol: 'tcp' }],
    });
  });
  afterAll(async () => {
    try {
      await session?.stop();
      await relay?.stop();
      await agent?.close();
    } finally {
      await database?.remove();
      if (directory) await rm(directory, { recursive: true, force: true });
    }
  });

  it('lists the container with its containerd id, source cni and runtime, and forgets it after GC', async () => {
    const containerId = toCtrContainerId('kudo-listed');
    await ctr(['run', '-d', '--null-io', '--cni', '--rootfs', rootfs, 'kudo-listed', '/bin/sleep', '1000']);
    await waitUntil(async () => (await findByContainer(containerId)) !== undefined);
    const instance = await findByContainer(containerId);
    expect(instance).toMatchObject({
      source: 'cni',
      runtime: 'containerd',
      status: 'running',
      ipAddr: expect.stringMatching(/^10\.0\.0\.(1[2-9][0-9]|2[0-5][0-9])$/),
      portMappings: [expect.objectContaining({ hostPort: 8097, instancePort: 8080, protocol: 'tcp' })],
    });
    const inside = await ctr([
      'task',
      'exec',
      '--exec-id',
      'probe',
      'kudo-listed',
      '/bin/ip',
      '-4',
      '-o',
      'addr',
    ]);
    expect(inside).toContain(`inet ${instance?.ipAddr}/24`);

    await ctr(['task', 'kill', '-s', 'SIGKILL', 'kudo-listed']);
    await waitUntil(async () => /STOPPED/.test(await ctr(['task', 'ls'])));
    await ctr(['task', 'rm', 'kudo-listed']);
    await ctr(['container', 'rm', 'kudo-listed']);
    expect(await callKudoGc({ plugin, agentSocket: socket, validAttachments: [] })).toMatchObject({
      exitCode: 0,
    });
    await waitUntil(async () => (await findByContainer(containerId)) === undefined);
    const links = await runIn({ namespace: node().namespace, command: ['ip', '-d', 'link', 'show'] });
    expect(links).not.toMatch(/kudo:instance=cni-/);
    const rules = await runIn({ namespace: node().namespace, command: ['iptables-save'] });
    expect(rules).not.toMatch(/kudo:instance=cni-/);
  });
});
