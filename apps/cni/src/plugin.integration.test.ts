import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Agent, startAgent } from '@kudo/agent';
import { type AgentClient, createAgentClient } from '@kudo/agent/client';
import { createCapturedLogger, createScratch, createTestToken } from '@kudo/agent/testing';
import { ping, request, runIn, startServer } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const buildScript = new URL('../build.mjs', import.meta.url).pathname;

type Outcome = { exitCode: number; json: Record<string, unknown> | undefined; stdout: string };

/** Runs a CNI plugin binary as a runtime would: CNI_* in the environment, the config on stdin. */
const callPlugin = ({
  file,
  env,
  config,
  namespace,
}: {
  file: string;
  env: Record<string, string>;
  config: unknown;
  /** Run inside this namespace (what the reference plugins need: they act where they are called). */
  namespace?: string;
}) =>
  new Promise<Outcome>((resolve) => {
    const [command, args] = namespace
      ? ['nsenter', [`--net=/run/netns/${namespace}`, '--', file]]
      : [file, [] as string[]];
    const child = execFile(
      command,
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } },
      (error, stdout) => {
        const exitCode = error ? Number((error as { code?: number }).code ?? 1) : 0;
        let json: Record<string, unknown> | undefined;
        try {
          json = stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ exitCode, json, stdout });
      },
    );
    child.stdin?.end(typeof config === 'string' ? config : JSON.stringify(config));
  });

describeWithNamespaces('the kudo CNI plugin binary against a real agent on a lab node', () => {
  const lab = useTestLab({ nodeCount: 1 });
  const node = () => lab().nodes[0] ?? { namespace: '', externalIpAddr: '' };
  let directory = '';
  let plugin = '';
  let socket = '';
  let agent: Agent | undefined;
  let client: AgentClient | undefined;
  let removeScratch = async () => {};
  const runtimeNamespace = (name: string) => `${lab().prefix}-${name}`;
  const config = (extra: Record<string, unknown> = {}) => ({
    cniVersion: '1.0.0',
    name: 'kudo',
    type: 'kudo',
    agentSocket: socket,
    ...extra,
  });
  const envFor = ({ command, id, netns }: { command: string; id: string; netns?: string | undefined }) => ({
    CNI_COMMAND: command,
    CNI_CONTAINERID: id,
    CNI_IFNAME: 'eth0',
    CNI_PATH: '/usr/lib/cni',
    ...(netns ? { CNI_NETNS: `/run/netns/${netns}` } : {}),
  });
  const kudo = (args: { command: string; id: string; netns?: string; config?: unknown }) =>
    callPlugin({ file: plugin, env: envFor(args), config: args.config ?? config() });
  const ourLeftovers = async () => {
    const links = await runIn({ namespace: node().namespace, command: ['ip', '-d', 'link', 'show'] });
    const rules = await runIn({ namespace: node().namespace, command: ['iptables-save'] });
    return {
      veths: (links.match(/alias kudo:instance=cni-\S+/g) ?? []).length,
      rules: rules.split('\n').filter((line) => line.includes('kudo:instance=cni-')).length,
    };
  };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-cni-test-'));
    plugin = join(directory, 'bin', 'kudo');
    await run(process.execPath, [buildScript, plugin]);
    socket = join(directory, 'run', 'agent.sock');
    const scratch = await createScratch();
    removeScratch = scratch.remove;
    const token = createTestToken();
    agent = await startAgent({
      nodeId: 'node1',
      hostNamespace: node().namespace,
      port: 0,
      token,
      bootIdFile: scratch.bootIdFile,
      logger: createCapturedLogger().logger,
      cniSocket: socket,
      cniStateFile: join(directory, 'state', 'cni-state.json'),
    });
    client = createAgentClient({ url: agent.url, token });
    await client.setupNode.mutate({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24', nodesIps: [] });
    await client.cni.setRange.mutate({ nodeIpCidr: '10.0.0.1/24', rangeCidr: '10.0.0.128/25' });
    for (const name of ['ctr1', 'ctr2', 'taken']) await run('ip', ['netns', 'add', runtimeNamespace(name)]);
    await runIn({
      namespace: runtimeNamespace('taken'),
      command: ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0peer'],
    });
  });
  afterAll(async () => {
    try {
      await agent?.close();
    } finally {
      await removeScratch();
      if (directory) await rm(directory, { recursive: true, force: true });
    }
  });

  it('answers VERSION with the versions it speaks', async () => {
    const outcome = await callPlugin({
      file: plugin,
      env: { CNI_COMMAND: 'VERSION' },
      config: { cniVersion: '0.4.0' },
    });
    expect(outcome).toMatchObject({
      exitCode: 0,
      json: { cniVersion: '0.4.0', supportedVersions: ['0.3.1', '0.4.0', '1.0.0', '1.1.0'] },
    });
  });

  it('refuses missing variables (4, naming them), bad JSON (6) and an unsupported cniVersion (1)', async () => {
    const missing = await callPlugin({ file: plugin, env: { CNI_COMMAND: 'ADD' }, config: config() });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.json).toMatchObject({
      code: 4,
      msg: 'missing environment variables: CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_PATH',
    });
    const bad = await kudo({
      command: 'ADD',
      id: 'c-bad',
      netns: runtimeNamespace('ctr1'),
      config: '{"cniVersion":',
    });
    expect(bad).toMatchObject({ json: { code: 6 } });
    expect(bad.exitCode).not.toBe(0);
    const old = await kudo({
      command: 'ADD',
      id: 'c-old',
      netns: runtimeNamespace('ctr1'),
      config: config({ cniVersion: '0.2.0' }),
    });
    expect(old).toMatchObject({ json: { code: 1 } });
    expect(await ourLeftovers()).toEqual({ veths: 0, rules: 0 });
  });

  it('answers STATUS when the agent is up, 50 when nothing listens on its socket', async () => {
    expect(await kudo({ command: 'STATUS', id: 'x', config: config({ cniVersion: '1.1.0' }) })).toMatchObject(
      {
        exitCode: 0,
      },
    );
    const down = await kudo({
      command: 'STATUS',
      id: 'x',
      config: config({ cniVersion: '1.1.0', agentSocket: join(directory, 'no-agent.sock') }),
    });
    expect(down.json).toMatchObject({ code: 50 });
    expect(down.exitCode).not.toBe(0);
  });

  describe('an attachment', () => {
    const netns = () => runtimeNamespace('ctr1');
    let address = '';
    beforeAll(async () => {
      const added = await kudo({
        command: 'ADD',
        id: 'ctr-one',
        netns: netns(),
        config: config({
          runtimeConfig: { portMappings: [{ hostPort: 8090, containerPort: 80, protocol: 'tcp' }] },
        }),
      });
      expect(added.exitCode, added.stdout).toBe(0);
      const ips = added.json?.ips as { address: string; gateway: string }[];
      address = ips[0]?.address ?? '';
    });

    it('gets an address of the delegated range with the node as gateway, and reaches the node', async () => {
      expect(address).toMatch(/^10\.0\.0\.(1[2-9][0-9]|2[0-9][0-9])\/24$/);
      const inside = await runIn({ namespace: netns(), command: ['ip', '-br', 'addr', 'show', 'eth0'] });
      expect(inside).toContain(address);
      expect(await ping({ from: netns(), to: '10.0.0.1' })).toBe(true);
    });

    it('ADD on an interface the namespace already has fails and leaves nothing', async () => {
      const before = await ourLeftovers();
      const taken = await kudo({ command: 'ADD', id: 'ctr-taken', netns: runtimeNamespace('taken') });
      expect(taken.exitCode).not.toBe(0);
      expect(taken.json).toMatchObject({ code: 100 });
      expect(await ourLeftovers()).toEqual(before);
    });

    it('CHECK passes, fails once a port rule is deleted by hand, and passes after the repair', async () => {
      expect(await kudo({ command: 'CHECK', id: 'ctr-one', netns: netns() })).toMatchObject({ exitCode: 0 });
      // The only port rules of the node are this attachment's: flushing the chain deletes them by hand.
      await runIn({
        namespace: node().namespace,
        command: ['iptables', '-t', 'nat', '-F', 'KUDO-HOSTPORTS'],
      });
      const drifted = await kudo({ command: 'CHECK', id: 'ctr-one', netns: netns() });
      expect(drifted.exitCode).not.toBe(0);
      expect(drifted.json).toMatchObject({ code: 101, msg: expect.stringContaining('tcp/8090') });
      // The repair: the attachment set up again through the agent (what a drift fix does), converging in place.
      const { attachments } = (await client?.cni.listAttachments.query()) ?? { attachments: [] };
      const attachment = attachments.find(({ containerId }) => containerId === 'ctr-one');
      expect(attachment).toMatchObject({ isNetnsPresent: true });
      await client?.setupInstance.mutate({
        nodeId: 'node1',
        nodeIpAddr: '10.0.0.1',
        instanceId: attachment?.instanceId ?? '',
        instanceIpCidr: attachment?.instanceIpCidr ?? '',
        ports: attachment?.ports ?? [],
        netns: { path: attachment?.netnsPath ?? '', interfaceName: 'eth0' },
      });
      expect(await kudo({ command: 'CHECK', id: 'ctr-one', netns: netns() })).toMatchObject({ exitCode: 0 });
    });

    it('DEL succeeds twice, and without CNI_NETNS, and leaves nothing', async () => {
      expect(await kudo({ command: 'DEL', id: 'ctr-one', netns: netns() })).toMatchObject({ exitCode: 0 });
      expect(await kudo({ command: 'DEL', id: 'ctr-one', netns: netns() })).toMatchObject({ exitCode: 0 });
      expect(await kudo({ command: 'DEL', id: 'ctr-one' })).toMatchObject({ exitCode: 0 });
      expect(await ourLeftovers()).toEqual({ veths: 0, rules: 0 });
      expect((await client?.cni.listAttachments.query())?.attachments).toEqual([]);
    });
  });

  it("chains Debian's portmap after Kudo (prevResult): the container is reached from the outside", async () => {
    const netns = runtimeNamespace('ctr2');
    const portMappings = [{ hostPort: 8095, containerPort: 8080, protocol: 'tcp' }];
    const added = await kudo({ command: 'ADD', id: 'ctr-two', netns });
    expect(added.exitCode, added.stdout).toBe(0);
    const portmapConfig = {
      cniVersion: '1.0.0',
      name: 'kudo',
      type: 'portmap',
      capabilities: { portMappings: true },
      runtimeConfig: { portMappings },
      prevResult: added.json,
    };
    const env = envFor({ command: 'ADD', id: 'ctr-two', netns });
    const portmap = await callPlugin({
      file: '/usr/lib/cni/portmap',
      env,
      config: portmapConfig,
      namespace: node().namespace,
    });
    expect(portmap.exitCode, portmap.stdout).toBe(0);
    expect(portmap.json?.ips).toEqual(added.json?.ips);
    const server = await startServer({ namespace: netns, port: 8080, name: 'ctr-two' });
    try {
      expect(
        await request({ from: lab().outside.namespace, host: node().externalIpAddr, port: 8095 }),
      ).toMatch(/^hello from ctr-two to /);
    } finally {
      await server.stop();
    }
    const del = await callPlugin({
      file: '/usr/lib/cni/portmap',
      env: { ...env, CNI_COMMAND: 'DEL' },
      config: portmapConfig,
      namespace: node().namespace,
    });
    expect(del.exitCode, del.stdout).toBe(0);
    expect(await kudo({ command: 'DEL', id: 'ctr-two', netns })).toMatchObject({ exitCode: 0 });
    expect(await ourLeftovers()).toEqual({ veths: 0, rules: 0 });
  });
});
