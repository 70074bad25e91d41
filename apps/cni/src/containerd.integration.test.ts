import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Agent, startAgent } from '@kudo/agent';
import { type AgentClient, createAgentClient } from '@kudo/agent/client';
import { createCapturedLogger, createScratch, createTestToken } from '@kudo/agent/testing';
import { request, runIn, startServer } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ContainerdSession, makeBusyboxRootfs, startContainerdSession } from './testing/index.js';
import {
  type CniPortMapping,
  callKudoGc,
  toCtrContainerId,
  writeKudoConflist,
} from './testing/kudo-conflist.js';

const run = promisify(execFile);
const buildScript = new URL('../build.mjs', import.meta.url).pathname;

/** Polls a condition (containers start and stop asynchronously); the test's own timeout is the limit. */
const waitUntil = async (isDone: () => Promise<boolean>) => {
  while (!(await isDone())) await new Promise((resolve) => setTimeout(resolve, 50));
};

const waitForExit = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describeWithNamespaces('containerd runs a real container with Kudo as its CNI plugin', () => {
  const lab = useTestLab({ nodeCount: 2 });
  let directory = '';
  let plugin = '';
  let socket = '';
  let rootfs = '';
  let agent: Agent | undefined;
  let client: AgentClient | undefined;
  let session: ContainerdSession | undefined;
  let removeScratch = async () => {};
  const node = (index: number) => lab().nodes[index] ?? { namespace: '', externalIpAddr: '' };
  const ctr = (args: readonly string[]) => session?.ctr(args) ?? Promise.resolve('');
  const listAttachments = async () => (await client?.cni.listAttachments.query())?.attachments ?? [];
  const readKernel = async () => ({
    links: await runIn({ namespace: node(0).namespace, command: ['ip', '-d', 'link', 'show'] }),
    rules: await runIn({ namespace: node(0).namespace, command: ['iptables-save'] }),
  });
  const conflist = (portMappings: CniPortMapping[] = []) =>
    writeKudoConflist({ directory: session?.confDirectory ?? '', agentSocket: socket, portMappings });
  /** A container killed with SIGKILL and its task and container removed, as an admin or a runtime does. */
  const killAndRemove = async (id: string) => {
    await ctr(['task', 'kill', '-s', 'SIGKILL', id]);
    await waitUntil(
      async () => (await ctr(['task', 'ls'])).match(new RegExp(`^${id}\\s.*STOPPED`, 'm')) !== null,
    );
    await ctr(['task', 'rm', id]);
    await ctr(['container', 'rm', id]);
  };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-ctr-'));
    plugin = join(directory, 'kudo');
    await run(process.execPath, [buildScript, plugin]);
    socket = join(directory, 'run', 'agent.sock');
    rootfs = await makeBusyboxRootfs({ directory });
    const scratch = await createScratch();
    removeScratch = scratch.remove;
    const token = createTestToken();
    agent = await startAgent({
      nodeId: 'node1',
      hostNamespace: node(0).namespace,
      port: 0,
      token,
      bootIdFile: scratch.bootIdFile,
      logger: createCapturedLogger().logger,
      cniSocket: socket,
    });
    client = createAgentClient({ url: agent.url, token });
    const peer = {
      nodeId: 'node2',
      nodeIp: { clusterIpCidr: '10.0.1.1/24', externalIpAddr: node(1).externalIpAddr },
    };
    await client.setupNode.mutate({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24', nodesIps: [peer] });
    await client.cni.setRange.mutate({ nodeIpCidr: '10.0.0.1/24', rangeCidr: '10.0.0.128/25' });
    const node2 = lab().netcoreFor('node2');
    await node2.setupNode({
      nodeId: 'node2',
      nodeIpCidr: '10.0.1.1/24',
      nodesIps: [
        { nodeId: 'node1', nodeIp: { clusterIpCidr: '10.0.0.1/24', externalIpAddr: node(0).externalIpAddr } },
      ],
    });
    await node2.setupInstance({
      nodeId: 'node2',
      nodeIpAddr: '10.0.1.1',
      instanceId: 'peer-1',
      instanceIpCidr: '10.0.1.2/24',
    });
    session = await startContainerdSession({
      namespace: node(0).namespace,
      directory: join(directory, 'containerd'),
    });
    await run('cp', [plugin, join(session.binDirectory, 'kudo')]);
  });
  afterAll(async () => {
    try {
      await session?.stop();
      await agent?.close();
    } finally {
      await removeScratch();
      if (directory) await rm(directory, { recursive: true, force: true });
    }
  });

  it('gives the container a Kudo address that reaches an instance on another node; nothing is left after exit', async () => {
    await conflist();
    const server = await startServer({
      namespace: lab().netcoreFor('node2').getNamespaceName('peer-1'),
      port: 8080,
      name: 'peer-1',
    });
    try {
      const stdout = await ctr([
        'run',
        '--rm',
        '--cni',
        '--rootfs',
        rootfs,
        'kudo-ctr-1',
        '/bin/sh',
        '-c',
        'ip -4 -o addr show eth0; nc 10.0.1.2 8080 </dev/null',
      ]);
      expect(stdout).toMatch(/inet 10\.0\.0\.128\/24/);
      expect(stdout).toContain('hello from peer-1 to 10.0.0.128');
    } finally {
      await server.stop();
    }
    const links = await runIn({ namespace: node(0).namespace, command: ['ip', '-d', 'link', 'show'] });
    expect(links).not.toMatch(/kudo:instance=cni-/);
    const rules = await runIn({ namespace: node(0).namespace, command: ['iptables-save'] });
    expect(rules).not.toMatch(/kudo:instance=cni-/);
    expect((await client?.cni.listAttachments.query())?.attachments).toEqual([]);
  });

  it('is reached from outside through a portMappings host port; after it exits nothing is left', async () => {
    // ctr passes no capability arguments, so libcni hands the plugin the conflist's own runtimeConfig as is.
    await conflist([{ hostPort: 8095, containerPort: 8080, protocol: 'tcp' }]);
    const id = 'kudo-web';
    const running = session?.spawnCtr([
      'run',
      '--rm',
      '--cni',
      '--rootfs',
      rootfs,
      id,
      '/bin/sh',
      '-c',
      'while :; do nc -l -p 8080 -e echo hello from the container; done',
    ]);
    if (!running) throw new Error('no containerd session');
    const exit = waitForExit(running);
    await waitUntil(async () => (await listAttachments()).length === 1);
    const [attachment] = await listAttachments();
    expect(attachment).toMatchObject({
      containerId: toCtrContainerId(id),
      runtime: 'containerd',
      ifName: 'eth0',
      instanceIpCidr: '10.0.0.128/24',
      netnsPath: expect.stringMatching(/^\/proc\/\d+\/ns\/net$/),
      ports: [{ hostPort: 8095, instancePort: 8080, protocol: 'tcp' }],
      isNetnsPresent: true,
    });
    let answer: string | undefined;
    await waitUntil(async () => {
      answer = await request({ from: lab().outside.namespace, host: node(0).externalIpAddr, port: 8095 });
      return answer !== undefined;
    });
    expect(answer).toBe('hello from the container');
    const during = await readKernel();
    expect(during.rules).toContain('--dport 8095');

    // The container's shell is its PID 1 and ignores SIGTERM: SIGKILL ends it, ctr then sends DEL and exits.
    await ctr(['task', 'kill', '-s', 'SIGKILL', id]);
    expect(await exit).not.toBeNull();
    const after = await readKernel();
    expect(after.links).not.toMatch(/kudo:instance=cni-/);
    expect(after.rules).not.toMatch(/kudo:instance=cni-/);
    expect(after.rules).not.toContain('--dport 8095');
    expect(await listAttachments()).toEqual([]);
    expect(existsSync(attachment?.netnsPath ?? '/')).toBe(false);
    expect(await ctr(['container', 'ls', '-q'])).toBe('');
    expect(
      await request({ from: lab().outside.namespace, host: node(0).externalIpAddr, port: 8095 }),
    ).toBeUndefined();
  });

  it('a container killed with SIGKILL and its task removed gets no DEL; CNI GC removes it, keeping the valid one', async () => {
    // Detached (`-d`): ctr returns once the task runs and never calls the plugin again; containerd without
    // its CRI plugin knows nothing of CNI, so no DEL reaches the plugin when the task is removed.
    await conflist([{ hostPort: 8096, containerPort: 8080, protocol: 'tcp' }]);
    await ctr(['run', '-d', '--null-io', '--cni', '--rootfs', rootfs, 'kudo-lost', '/bin/sleep', '1000']);
    await conflist();
    await ctr(['run', '-d', '--null-io', '--cni', '--rootfs', rootfs, 'kudo-kept', '/bin/sleep', '1000']);
    const attached = await listAttachments();
    expect(attached.map(({ containerId }) => containerId).sort()).toEqual([
      toCtrContainerId('kudo-kept'),
      toCtrContainerId('kudo-lost'),
    ]);
    const lost = attached.find(({ containerId }) => containerId === toCtrContainerId('kudo-lost'));
    expect((await readKernel()).rules).toContain('--dport 8096');

    await killAndRemove('kudo-lost');
    // Still recorded: no DEL came. Its namespace is gone (and the veth with it), its rules and address are not.
    expect(await listAttachments()).toContainEqual(
      expect.objectContaining({ containerId: toCtrContainerId('kudo-lost'), isNetnsPresent: false }),
    );
    expect((await readKernel()).rules).toContain(`kudo:instance=${lost?.instanceId}`);

    // What a runtime on libcni 1.2+ does: GC with the attachments it still has.
    const gc = await callKudoGc({
      plugin,
      agentSocket: socket,
      validAttachments: [{ containerID: toCtrContainerId('kudo-kept'), ifname: 'eth0' }],
    });
    expect(gc).toMatchObject({ exitCode: 0 });
    expect((await listAttachments()).map(({ containerId }) => containerId)).toEqual([
      toCtrContainerId('kudo-kept'),
    ]);
    const afterGc = await readKernel();
    expect(afterGc.rules).not.toContain(`kudo:instance=${lost?.instanceId}`);
    expect(afterGc.rules).not.toContain('--dport 8096');
    expect(afterGc.links.match(/kudo:instance=cni-/g)).toHaveLength(1);

    await killAndRemove('kudo-kept');
    expect(await callKudoGc({ plugin, agentSocket: socket, validAttachments: [] })).toMatchObject({
      exitCode: 0,
    });
    const atEnd = await readKernel();
    expect(atEnd.links).not.toMatch(/kudo:instance=cni-/);
    expect(atEnd.rules).not.toMatch(/kudo:instance=cni-/);
    expect(await listAttachments()).toEqual([]);
    expect(await ctr(['task', 'ls', '-q'])).toBe('');
  });
});
