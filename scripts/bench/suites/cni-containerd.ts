import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentLogger, startAgent } from '@kudo/agent';
import { createAgentClient } from '@kudo/agent/client';
import {
  buildKudoPlugin,
  type ContainerdSession,
  createCniAgentClient,
  makeBusyboxRootfs,
  renderKudoConflist,
  startContainerdSession,
} from '@kudo/cni/testing';
import { createExecaRunner } from '@kudo/netcore';
import type { LabNode } from '@kudo/netcore/lab';
import type { Check } from '../correctness.js';
import { checkNoLeftovers, findLeftovers, readNodeState } from '../leftovers.js';
import { measureMs, median } from '../measure.js';
import { cniPluginDirectory } from '../methods/cni-plugins.js';
import { installPlugins, type PluginTimes, readPluginTimes, summarizeTimes } from './cni-containerd-shims.js';

const scope = 'containerd';
const kudoSubnet = { nodeIpCidr: '10.250.0.1/24', rangeCidr: '10.250.0.128/25' };
const referenceBridge = 'kbctr0';

/** Debian's reference chain as containerd's own examples configure it: bridge + host-local, then portmap. */
const referenceConflist = {
  cniVersion: '1.0.0',
  name: 'bench-reference',
  plugins: [
    {
      type: 'bridge',
      bridge: referenceBridge,
      isGateway: true,
      ipMasq: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.251.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] },
    },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
};

export type CniContainerdChain = ReturnType<typeof summarizeTimes> & {
  name: string;
  description: string;
  /** One exec of the chain's first plugin with VERSION: its process start and exit, no work, no agent. */
  versionMs: number;
};

/** Runs a plugin with `CNI_COMMAND=VERSION` (no namespace, no agent) and returns its wall time. */
const timeVersionCall = (file: string) =>
  measureMs(
    () =>
      new Promise<void>((resolve, reject) => {
        const child = execFile(
          file,
          [],
          { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CNI_COMMAND: 'VERSION' } },
          (error) => (error ? reject(error) : resolve()),
        );
        child.stdin?.end('{"cniVersion":"1.0.0"}');
      }),
  );

export type CniContainerdResult = {
  node: string;
  iterations: number;
  chains: CniContainerdChain[];
  /**
   * Kudo's ADD + DEL through the plugin's own client from a running process, into a `/proc/PID/ns/net`
   * namespace: the agent's part without the forwarder (nor the process it lends in the container's namespace).
   */
  kudoAgentMs: number;
  checks: Check[];
};

/** Removes what the reference chain leaves by design (its bridge, portmap's and ipMasq's nat chains). */
const cleanReferenceChain = async ({ node }: { node: LabNode }) => {
  const runner = createExecaRunner();
  const inNode = (file: string, args: string[], input?: string) =>
    runner.run({
      file: 'nsenter',
      args: [`--net=/run/netns/${node.namespace}`, '--', file, ...args],
      ...(input === undefined ? {} : { input }),
    });
  const saved = (await inNode('iptables-save', ['-t', 'nat'])).stdout.split('\n');
  const script = [
    '*nat',
    ...saved
      .filter((line) => line.startsWith('-A ') && line.includes('CNI-'))
      .map((line) => `-D ${line.slice(3)}`),
    ...saved.filter((line) => line.startsWith(':CNI-')).map((line) => `-X ${line.slice(1).split(' ')[0]}`),
    'COMMIT',
    '',
  ].join('\n');
  await inNode('iptables-restore', ['--noflush', '--wait', '10'], script);
  await runner
    .run({ file: 'ip', args: ['-n', node.namespace, 'link', 'del', referenceBridge] })
    .catch(() => undefined);
};

/**
 * `ctr run --rm --cni` of a busybox container that only exits (`/bin/true`), with Kudo (its plugin through
 * the node's agent) and with the reference chain, alternating on the same lab node in one containerd session
 * (containerd in the node's namespace, tmpfs CNI paths: @kudo/cni/testing). Per start-to-exit: the wall time
 * of ctr, and the chain's own ADD and DEL time from timing shims. One warm-up round is not counted.
 */
export const runCniContainerd = async ({
  node,
  labPrefix,
  iterations,
  isStopping,
}: {
  node: LabNode;
  labPrefix: string;
  iterations: number;
  isStopping: () => boolean;
}): Promise<CniContainerdResult> => {
  const directory = await mkdtemp(join(tmpdir(), 'kudo-bench-ctr-'));
  const before = await readNodeState({ nodeNamespace: node.namespace, labPrefix });
  const forwarding = before.sysctls[0]?.split('=')[1] ?? '0';
  const token = randomBytes(24).toString('hex');
  const agentSocket = join(directory, 'run', 'agent.sock');
  const agent = await startAgent({
    nodeId: node.name,
    hostNamespace: node.namespace,
    port: 0,
    token,
    logger: createAgentLogger({ level: 'silent' }),
    cniSocket: agentSocket,
    cniStateFile: join(directory, 'cni-state.json'),
  });
  const client = createAgentClient({ url: agent.url, token });
  const logFile = join(directory, 'plugin-times.log');
  let session: ContainerdSession | undefined;
  const checks: Check[] = [];
  const samples = new Map<string, (PluginTimes & { wallMs: number })[]>();
  const versionTimes = new Map<string, number[]>();
  const agentTimes: number[] = [];
  // The probe's namespace is known by its process, as ctr's are (`/proc/PID/ns/net`): a process in a new
  // network namespace of its own (never the machine's), killed with this one if it ends first.
  let probe: ChildProcess | undefined;
  const chains = [
    {
      name: 'kudo',
      description: 'kudo (through the agent on its unix socket)',
      conflist: renderKudoConflist({ agentSocket }),
      versionFile: (plugin: string) => plugin,
    },
    {
      name: 'reference',
      description: 'reference: bridge + host-local, portmap',
      conflist: referenceConflist,
      versionFile: () => join(cniPluginDirectory, 'bridge'),
    },
  ];
  const failures: unknown[] = [];
  try {
    await client.setupNode.mutate({ nodeId: node.name, nodeIpCidr: kudoSubnet.nodeIpCidr, nodesIps: [] });
    await client.cni.setRange.mutate(kudoSubnet);
    const rootfs = await makeBusyboxRootfs({ directory });
    const plugin = await buildKudoPlugin({ outfile: join(directory, 'build', 'kudo') });
    session = await startContainerdSession({
      namespace: node.namespace,
      directory: join(directory, 'containerd'),
    });
    await installPlugins({
      binDirectory: session.binDirectory,
      realDirectory: join(directory, 'real'),
      logFile,
      plugins: [
        { name: 'kudo', file: plugin, isTimed: true },
        { name: 'bridge', file: join(cniPluginDirectory, 'bridge'), isTimed: true },
        { name: 'portmap', file: join(cniPluginDirectory, 'portmap'), isTimed: true },
        { name: 'host-local', file: join(cniPluginDirectory, 'host-local'), isTimed: false },
      ],
    });
    const cniClient = createCniAgentClient({ socketPath: agentSocket });
    probe = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', '--net', '--', 'sleep', 'infinity'], {
      stdio: 'ignore',
    });
    const probePath = `/proc/${probe.pid}/ns/net`;
    // Never before it is in its own namespace (until unshare has run, the path names the bench's own).
    while (statSync(probePath).ino === statSync('/proc/self/ns/net').ino)
      await new Promise((resolve) => setTimeout(resolve, 5));
    for (let round = 0; round <= iterations && !isStopping(); round += 1) {
      for (const chain of chains) {
        await writeFile(join(session.confDirectory, '10-bench.conflist'), JSON.stringify(chain.conflist));
        await rm(logFile, { force: true });
        const ctr = session.ctr;
        const { ms } = await measureMs(() =>
          ctr(['run', '--rm', '--cni', '--rootfs', rootfs, `bench-${chain.name}-${round}`, '/bin/true']),
        );
        const times = await readPluginTimes({ logFile });
        const version = await timeVersionCall(chain.versionFile(plugin));
        if (round === 0) continue;
        samples.set(chain.name, [...(samples.get(chain.name) ?? []), { ...times, wallMs: ms }]);
        versionTimes.set(chain.name, [...(versionTimes.get(chain.name) ?? []), version.ms]);
      }
      const key = { containerId: `bench-probe-${round}`, ifName: 'eth0', networkName: 'kudo' };
      const direct = await measureMs(async () => {
        await cniClient.cni.add.mutate({
          ...key,
          netnsPath: probePath,
          runtime: 'bench',
        });
        await cniClient.cni.del.mutate(key);
      });
      if (round > 0) agentTimes.push(direct.ms);
    }
    for (const chain of chains) {
      const timed = samples.get(chain.name) ?? [];
      checks.push({
        scope,
        label: `every ${chain.name} start ran its plugins' ADD and every exit their DEL`,
        isOk: timed.length > 0 && timed.every(({ addMs, delMs }) => addMs > 0 && delMs > 0),
        detail: `${timed.length} containers`,
      });
    }
    const { attachments } = await client.cni.listAttachments.query();
    checks.push({
      scope,
      label: 'no Kudo attachment is left after the containers exit',
      isOk: attachments.length === 0,
      detail: `${attachments.length} attachments`,
    });
  } finally {
    // Each step runs even when one before it fails; the first failure is thrown after the cleanup.
    const attempt = async (step: () => Promise<unknown>) => {
      await step().catch((error: unknown) => failures.push(error));
    };
    await attempt(async () => session?.stop());
    await attempt(() => client.cleanNode.mutate({ nodeId: node.name }).catch(() => undefined));
    await attempt(() => agent.close());
    await attempt(() => cleanReferenceChain({ node }));
    probe?.kill('SIGKILL');
    await attempt(() =>
      createExecaRunner().run({
        file: 'nsenter',
        args: [
          `--net=/run/netns/${node.namespace}`,
          '--',
          'sysctl',
          '-q',
          '-w',
          `net.ipv4.ip_forward=${forwarding}`,
        ],
      }),
    );
    await rm(directory, { recursive: true, force: true });
  }
  if (failures.length > 0) throw failures[0];
  const after = await readNodeState({ nodeNamespace: node.namespace, labPrefix });
  const leftovers = findLeftovers({ before, after });
  checks.push(
    checkNoLeftovers({
      scope,
      label: 'the node is left as found (both chains, containerd, the agent)',
      leftovers,
      // An emptied iptables table (nf_tables keeps it once used) is reported, not counted as a leak.
      counted: { ...leftovers, tables: [] },
    }),
  );
  return {
    node: node.name,
    iterations,
    chains: chains.map(({ name, description }) => ({
      name,
      description,
      ...summarizeTimes(samples.get(name) ?? []),
      versionMs: median(versionTimes.get(name) ?? []),
    })),
    kudoAgentMs: median(agentTimes),
    checks,
  };
};
