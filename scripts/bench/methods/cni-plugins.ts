import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createExecaRunner, isNetcoreError } from '@kudo/netcore';
import type { LabNode } from '@kudo/netcore/lab';
import { createCommandTrace } from '../command-trace.js';
import type { BenchInstance, InstanceMethod } from './instance-method.js';

export const cniPluginDirectory = '/usr/lib/cni';
const networkName = 'kudo-bench';
const bridgeName = 'kbcni0';
const subnet = '10.30.0.0/24';
const forwardingKey = 'net.ipv4.ip_forward';

type CniResult = { ips?: { address: string; gateway?: string }[] };

/**
 * The reference plugins as a runtime drives a conflist (bridge with host-local IPAM, then portmap): each
 * plugin is its own process, entered into the lab node's namespace with nsenter so its bridge, sysctls and
 * iptables rules land there. The instance namespace is made and removed with `ip netns`, as a runtime does.
 */
export const createCniPluginsMethod = ({
  node,
  labPrefix,
  ipamDirectory,
}: {
  node: LabNode;
  labPrefix: string;
  ipamDirectory: string;
}): InstanceMethod => {
  const trace = createCommandTrace({ base: createExecaRunner() });
  const inNode = (file: string, args: string[], input?: string) =>
    trace.runner.run({
      file: 'nsenter',
      args: [`--net=/run/netns/${node.namespace}`, '--', file, ...args],
      input,
    });
  const bridgeConfig = {
    cniVersion: '1.0.0',
    name: networkName,
    type: 'bridge',
    bridge: bridgeName,
    isGateway: true,
    ipMasq: true,
    hairpinMode: true,
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet }]],
      routes: [{ dst: '0.0.0.0/0' }],
      dataDir: ipamDirectory,
    },
  };
  const portmapConfig = (instance: BenchInstance) => ({
    cniVersion: '1.0.0',
    name: networkName,
    type: 'portmap',
    capabilities: { portMappings: true },
    snat: true,
    runtimeConfig: {
      portMappings: [{ hostPort: instance.hostPort, containerPort: instance.instancePort, protocol: 'tcp' }],
    },
  });
  const namespaceOf = (instance: BenchInstance) => `${labPrefix}-cni-i-${instance.index}`;
  const runPlugin = async ({
    plugin,
    command,
    instance,
    config,
  }: {
    plugin: 'bridge' | 'portmap';
    command: 'ADD' | 'DEL';
    instance: BenchInstance;
    config: object;
  }) => {
    const environment = [
      `CNI_COMMAND=${command}`,
      `CNI_CONTAINERID=${instance.id}`,
      `CNI_NETNS=/run/netns/${namespaceOf(instance)}`,
      'CNI_IFNAME=eth0',
      `CNI_PATH=${cniPluginDirectory}`,
    ];
    try {
      const { stdout } = await inNode(
        'env',
        [...environment, join(cniPluginDirectory, plugin)],
        JSON.stringify(config),
      );
      return (stdout.trim() ? JSON.parse(stdout) : {}) as CniResult;
    } catch (error) {
      const cause = isNetcoreError(error) ? (error.cause as { stdout?: string } | undefined) : undefined;
      throw new Error(
        `CNI ${plugin} ${command} for ${instance.id} failed: ${cause?.stdout?.trim() || String(error)}`,
        {
          cause: error,
        },
      );
    }
  };
  const results = new Map<string, CniResult>();
  const setupInstance = async (instance: BenchInstance) => {
    const namespace = namespaceOf(instance);
    await trace.runner.run({ file: 'ip', args: ['netns', 'add', namespace] });
    const bridged = await runPlugin({ plugin: 'bridge', command: 'ADD', instance, config: bridgeConfig });
    const mapped = await runPlugin({
      plugin: 'portmap',
      command: 'ADD',
      instance,
      config: { ...portmapConfig(instance), prevResult: bridged },
    });
    results.set(instance.id, mapped);
    const ipAddr = mapped.ips?.[0]?.address.split('/')[0] ?? '';
    return {
      name: instance.id,
      namespace,
      ipAddr,
      hostPort: instance.hostPort,
      instancePort: instance.instancePort,
    };
  };
  const cleanInstance = async (instance: BenchInstance) => {
    const prevResult = results.get(instance.id) ?? {};
    await runPlugin({
      plugin: 'portmap',
      command: 'DEL',
      instance,
      config: { ...portmapConfig(instance), prevResult },
    });
    await runPlugin({ plugin: 'bridge', command: 'DEL', instance, config: { ...bridgeConfig, prevResult } });
    await trace.runner.run({ file: 'ip', args: ['netns', 'del', namespaceOf(instance)] });
    results.delete(instance.id);
  };
  let previousForwarding = '0';
  const warmUp: BenchInstance = { index: 250, id: 'warm-up', hostPort: 19_999, instancePort: 8080 };
  return {
    name: 'cni-plugins',
    description: `Debian containernetworking-plugins: \`ip netns add\`, bridge ADD (host-local IPAM), portmap ADD / portmap DEL, bridge DEL, \`ip netns del\``,
    node,
    gatewayAddr: '10.30.0.1',
    trace,
    isBaselinePristine: true,
    ipamDirectory,
    prepareNode: async () => {
      previousForwarding = (await inNode('sysctl', ['-n', forwardingKey])).stdout.trim();
      await setupInstance(warmUp);
      await cleanInstance(warmUp);
    },
    setupInstance,
    cleanInstance,
    cleanNode: async () => {
      const saved = (await inNode('iptables-save', ['-t', 'nat'])).stdout.split('\n');
      const ours = (line: string) => line.includes('CNI-');
      const script = [
        '*nat',
        ...saved.filter((line) => line.startsWith('-A ') && ours(line)).map((line) => `-D ${line.slice(3)}`),
        ...saved
          .filter((line) => line.startsWith(':CNI-'))
          .map((line) => `-X ${line.slice(1).split(' ')[0]}`),
        'COMMIT',
        '',
      ].join('\n');
      await inNode('iptables-restore', ['--noflush', '--wait', '10'], script);
      await trace.runner.run({ file: 'ip', args: ['-n', node.namespace, 'link', 'del', bridgeName] });
      await inNode('sysctl', ['-q', '-w', `${forwardingKey}=${previousForwarding}`]);
      await rm(join(ipamDirectory, networkName), { recursive: true, force: true });
    },
  };
};
