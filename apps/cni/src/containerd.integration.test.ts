import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type Agent, startAgent } from '@kudo/agent';
import { type AgentClient, createAgentClient } from '@kudo/agent/client';
import { createCapturedLogger, createScratch, createTestToken } from '@kudo/agent/testing';
import { runIn, startServer } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const buildScript = new URL('../build.mjs', import.meta.url).pathname;

/**
 * Runs inside the lab node's network namespace and a private mount namespace (the verified recipe in
 * ../shared/recipes/containerd-in-a-lab-node.sh): tmpfs over the fixed CNI paths, containerd with its own
 * root, state and socket, the CRI plugin disabled, then one `ctr run --cni` whose output is printed.
 */
const insideScript = `set -eu
dir=$1; shift
for d in /etc/cni /opt/cni/bin /var/lib/cni; do mkdir -p "$d"; mount -t tmpfs tmpfs "$d"; done
mkdir -p /etc/cni/net.d
cp "$dir/kudo" /opt/cni/bin/kudo
cp "$dir/10-kudo.conflist" /etc/cni/net.d/
containerd --config "$dir/config.toml" --root "$dir/root" --state "$dir/state" --address "$dir/ctr.sock" >"$dir/containerd.log" 2>&1 &
cpid=$!
for _ in $(seq 1 100); do [ -S "$dir/ctr.sock" ] && break; sleep 0.1; done
status=0
ctr --address "$dir/ctr.sock" run --rm --cni --rootfs "$dir/rootfs" "$@" || status=$?
kill "$cpid"; wait "$cpid" 2>/dev/null || true
exit $status
`;

describeWithNamespaces('containerd runs a real container with Kudo as its CNI plugin', () => {
  const lab = useTestLab({ nodeCount: 2 });
  let directory = '';
  let agent: Agent | undefined;
  let client: AgentClient | undefined;
  let removeScratch = async () => {};
  const node = (index: number) => lab().nodes[index] ?? { namespace: '', externalIpAddr: '' };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kudo-ctr-'));
    await run(process.execPath, [buildScript, join(directory, 'kudo')]);
    const socket = join(directory, 'run', 'agent.sock');
    await writeFile(
      join(directory, '10-kudo.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'kudo',
        plugins: [{ type: 'kudo', agentSocket: socket, runtime: 'containerd' }],
      }),
    );
    await writeFile(
      join(directory, 'config.toml'),
      'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n',
    );
    await writeFile(join(directory, 'inside.sh'), insideScript);
    const rootfs = join(directory, 'rootfs');
    for (const sub of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc'])
      await mkdir(join(rootfs, sub), { recursive: true });
    await copyFile('/usr/bin/busybox', join(rootfs, 'bin', 'busybox'));
    for (const tool of ['sh', 'ip', 'nc', 'sleep']) await symlink('busybox', join(rootfs, 'bin', tool));
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
  });
  afterAll(async () => {
    await agent?.close();
    await removeScratch();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('gives the container a Kudo address that reaches an instance on another node; nothing is left after exit', async () => {
    const server = await startServer({
      namespace: lab().netcoreFor('node2').getNamespaceName('peer-1'),
      port: 8080,
      name: 'peer-1',
    });
    try {
      const { stdout } = await run(
        'nsenter',
        [
          `--net=/run/netns/${node(0).namespace}`,
          '--',
          'unshare',
          '--mount',
          '--propagation',
          'private',
          'sh',
          join(directory, 'inside.sh'),
          directory,
          'kudo-ctr-1',
          '/bin/sh',
          '-c',
          'ip -4 -o addr show eth0; nc 10.0.1.2 8080 </dev/null',
        ],
        {
          env: {
            ...process.env,
            PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          },
        },
      );
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
});
