import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Agent, startAgent } from '@kudo/agent';
import { runIn } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { TRPCError } from '@trpc/server';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTrpcAgentGateway } from '../agents/trpc-agent-gateway.js';
import { createTestDatabase } from '../testing/test-database.js';
import { createTestControlPlane } from '../testing/test-services.js';
import type { AgentEventRelay } from './agent-event-relay.js';

const run = promisify(execFile);
/** The plugin's own build (what `npm run build -w @kudo/cni` runs), into this test's directory. */
const buildScript = new URL('../../../../cni/build.mjs', import.meta.url).pathname;

/** Polls a condition (the relay works asynchronously); the test's own timeout is the limit. */
const waitUntil = async (isDone: () => Promise<boolean>) => {
  while (!(await isDone())) await new Promise((resolve) => setTimeout(resolve, 20));
};

/** Runs the kudo binary as a container runtime does: CNI_* in the environment, the config on stdin. */
const callPlugin = ({ file, env, config }: { file: string; env: Record<string, string>; config: unknown }) =>
  new Promise<{ exitCode: number; json: Record<string, unknown> | undefined }>((resolve) => {
    const child = execFile(
      file,
      [],
      // Only what a runtime passes (Next's types ask every environment for NODE_ENV).
      { env: { NODE_ENV: 'test', PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } },
      (error, stdout) => {
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(stdout) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        resolve({ exitCode: error ? Number((error as { code?: number }).code ?? 1) : 0, json });
      },
    );
    child.stdin?.end(JSON.stringify(config));
  });

describeWithNamespaces(
  'CNI attachments in the control plane (a real agent on a lab node, the kudo binary)',
  () => {
    const lab = useTestLab({ nodeCount: 1 });
    const node = () => lab().nodes[0] ?? { name: '', namespace: '', externalIpAddr: '' };
    let directory = '';
    let plugin = '';
    let socket = '';
    let agent: Agent | undefined;
    let relay: AgentEventRelay | undefined;
    let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
    let plane: ReturnType<typeof createTestControlPlane>;
    const containerNamespace = (name: string) => `${lab().prefix}-${name}`;
    const kudo = ({
      command,
      containerId,
      netns,
    }: {
      command: string;
      containerId: string;
      netns?: string;
    }) =>
      callPlugin({
        file: plugin,
        env: {
          CNI_COMMAND: command,
          CNI_CONTAINERID: containerId,
          CNI_IFNAME: 'eth0',
          CNI_PATH: '/opt/cni/bin',
          ...(netns ? { CNI_NETNS: `/run/netns/${containerNamespace(netns)}` } : {}),
        },
        config: {
          cniVersion: '1.0.0',
          name: 'kudo',
          type: 'kudo',
          agentSocket: socket,
          runtime: 'containerd',
          runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }] },
        },
      });
    const findByContainer = async (containerId: string) =>
      (await plane.admin.instance.list({ nodeId: 'node1' })).find(
        (instance) => instance.containerId === containerId,
      );
    const countCniVeths = async () =>
      (
        (await runIn({ namespace: node().namespace, command: ['ip', '-d', 'link', 'show'] })).match(
          /alias kudo:instance=cni-\S+/g,
        ) ?? []
      ).length;

    beforeAll(async () => {
      directory = await mkdtemp(join(tmpdir(), 'kudo-web-cni-'));
      plugin = join(directory, 'bin', 'kudo');
      await run(process.execPath, [buildScript, plugin]);
      socket = join(directory, 'run', 'agent.sock');
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
      for (const name of ['ctr1', 'ctr2']) await run('ip', ['netns', 'add', containerNamespace(name)]);
    });
    afterAll(async () => {
      try {
        await relay?.stop();
        await agent?.close();
        await database?.remove();
      } finally {
        if (directory) await rm(directory, { recursive: true, force: true });
      }
    });

    it('records a container attached by the kudo binary as a cni instance, refuses to delete it, and forgets it at DEL', async () => {
      const containerId = `ctr1${randomBytes(8).toString('hex')}`;
      const added = await kudo({ command: 'ADD', containerId, netns: 'ctr1' });
      expect(added.exitCode).toBe(0);
      const [ip] = (added.json?.ips ?? []) as { address: string }[];
      // From the delegated upper half of node1's subnet 10.0.0.0/24.
      expect(ip?.address).toMatch(/^10\.0\.0\.(1[2-9][0-9]|2[0-5][0-9])\/24$/);

      await waitUntil(async () => (await findByContainer(containerId)) !== undefined);
      const instance = await findByContainer(containerId);
      expect(instance).toMatchObject({
        source: 'cni',
        runtime: 'containerd',
        ipAddr: ip?.address.split('/')[0],
        status: 'running',
        portMappings: [expect.objectContaining({ hostPort: 18080, instancePort: 80, protocol: 'tcp' })],
      });
      const instanceId = instance?.id ?? '';

      const refusal = await plane.admin.instance.delete({ instanceId }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(TRPCError);
      expect(refusal).toMatchObject({
        code: 'PRECONDITION_FAILED',
        message: `instance '${instanceId}' is owned by containerd on node1: stop the container to remove it`,
      });
      // Not drift: the agent's diff sees its veth, the control plane knows whose it is.
      const inspection = await plane.admin.inspection.inspect({ nodeId: 'node1' });
      expect(inspection.items.filter(({ target }) => target === instanceId)).toEqual([]);
      expect(await countCniVeths()).toBe(1);

      expect((await kudo({ command: 'DEL', containerId, netns: 'ctr1' })).exitCode).toBe(0);
      await waitUntil(async () => (await findByContainer(containerId)) === undefined);
      expect(await countCniVeths()).toBe(0);
      const audit = await plane.admin.event.list({ targetType: 'instance', targetId: instanceId, limit: 50 });
      // The attachment and its end, by the runtime; the refused deletion, by the admin.
      expect(audit.entries.map(({ actor, action, result }) => `${actor} ${action} ${result}`).sort()).toEqual(
        [
          'alice instance.delete error',
          'containerd on node1 instance.attach ok',
          'containerd on node1 instance.detach ok',
        ],
      );
    });

    it('lists a container whose namespace is gone as an orphan, and cleaning it frees its attachment', async () => {
      const containerId = `ctr2${randomBytes(8).toString('hex')}`;
      expect((await kudo({ command: 'ADD', containerId, netns: 'ctr2' })).exitCode).toBe(0);
      await waitUntil(async () => (await findByContainer(containerId)) !== undefined);
      const instanceId = (await findByContainer(containerId))?.id ?? '';
      // The container is killed and its task removed: no DEL comes, its namespace is gone.
      await run('ip', ['netns', 'del', containerNamespace('ctr2')]);

      const { orphans } = await plane.admin.inspection.orphans({ nodeId: 'node1' });
      expect(orphans).toEqual([expect.objectContaining({ resource: 'cni-attachment', name: instanceId })]);
      const cleaned = await plane.admin.inspection.cleanOrphans({ nodeId: 'node1', dryRun: false });
      expect(cleaned.orphans.map(({ name }) => name)).toEqual([instanceId]);
      await waitUntil(async () => (await findByContainer(containerId)) === undefined);
      expect(await countCniVeths()).toBe(0);
      expect((await plane.admin.inspection.orphans({ nodeId: 'node1' })).orphans).toEqual([]);
    });
  },
);
