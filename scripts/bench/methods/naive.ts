import { createExecaRunner } from '@kudo/netcore';
import type { LabNode } from '@kudo/netcore/lab';
import { createCommandTrace } from '../command-trace.js';
import { type InstanceMethod, instanceAddr } from './instance-method.js';

const subnetPrefix = '10.20.0';
const bridgeName = 'kbnaive0';
const portsChain = 'NAIVE-PORTS';
const forwardingKey = 'net.ipv4.ip_forward';

/** The node-level rules: the port chain hooked for local destinations, and masquerading of the subnet. */
const nodeRules = [
  ['PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', portsChain],
  ['OUTPUT', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', portsChain],
  ['POSTROUTING', '-s', `${subnetPrefix}.0/24`, '!', '-o', bridgeName, '-j', 'MASQUERADE'],
];

/**
 * The original implementation's way: one `ip` or `iptables` process per step, as a shell script would
 * (netns add, link add veth, set master, set up, addr add, route add, one iptables -A per rule), and the
 * reverse for teardown. `ip -n` stands for `ip netns exec NS ip`, which costs one more exec per step.
 */
export const createNaiveMethod = ({
  node,
  labPrefix,
}: {
  node: LabNode;
  labPrefix: string;
}): InstanceMethod => {
  const trace = createCommandTrace({ base: createExecaRunner() });
  const run = (file: string, args: string[]) => trace.runner.run({ file, args });
  const ip = (namespace: string, args: string[]) => run('ip', ['-n', namespace, ...args]);
  const inNode = (file: string, args: string[]) =>
    run('nsenter', [`--net=/run/netns/${node.namespace}`, '--', file, ...args]);
  const iptables = (args: string[]) => inNode('iptables', ['-w', '10', '-t', 'nat', ...args]);
  const names = (index: number) => ({
    namespace: `${labPrefix}-naive-i-${index}`,
    veth: `nv${index}`,
    addr: instanceAddr({ subnetPrefix, index }),
  });
  const portRule = ({
    hostPort,
    instancePort,
    addr,
  }: {
    hostPort: number;
    instancePort: number;
    addr: string;
  }) => [
    portsChain,
    '-p',
    'tcp',
    '--dport',
    String(hostPort),
    '-j',
    'DNAT',
    '--to-destination',
    `${addr}:${instancePort}`,
  ];
  let previousForwarding = '0';
  return {
    name: 'naive',
    description:
      'one `ip`/`iptables` process per step: 8 `ip` + 1 `iptables -A` to set up, `iptables -D` + `ip link del` + `ip netns del` to tear down',
    node,
    gatewayAddr: `${subnetPrefix}.1`,
    trace,
    isBaselinePristine: false,
    prepareNode: async () => {
      previousForwarding = (await inNode('sysctl', ['-n', forwardingKey])).stdout.trim();
      await ip(node.namespace, ['link', 'add', bridgeName, 'type', 'bridge']);
      await ip(node.namespace, ['addr', 'add', `${subnetPrefix}.1/24`, 'dev', bridgeName]);
      await ip(node.namespace, ['link', 'set', bridgeName, 'up']);
      await inNode('sysctl', ['-q', '-w', `${forwardingKey}=1`]);
      await iptables(['-N', portsChain]);
      for (const rule of nodeRules) await iptables(['-A', ...rule]);
    },
    setupInstance: async ({ index, id, hostPort, instancePort }) => {
      const { namespace, veth, addr } = names(index);
      await run('ip', ['netns', 'add', namespace]);
      await ip(node.namespace, [
        'link',
        'add',
        veth,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        namespace,
      ]);
      await ip(node.namespace, ['link', 'set', veth, 'master', bridgeName]);
      await ip(node.namespace, ['link', 'set', veth, 'up']);
      await ip(namespace, ['link', 'set', 'lo', 'up']);
      await ip(namespace, ['addr', 'add', `${addr}/24`, 'dev', 'eth0']);
      await ip(namespace, ['link', 'set', 'eth0', 'up']);
      await ip(namespace, ['route', 'add', 'default', 'via', `${subnetPrefix}.1`]);
      await iptables(['-A', ...portRule({ hostPort, instancePort, addr })]);
      return { name: id, namespace, ipAddr: addr, hostPort, instancePort };
    },
    cleanInstance: async ({ index, hostPort, instancePort }) => {
      const { namespace, veth, addr } = names(index);
      await iptables(['-D', ...portRule({ hostPort, instancePort, addr })]);
      await ip(node.namespace, ['link', 'del', veth]);
      await run('ip', ['netns', 'del', namespace]);
    },
    cleanNode: async () => {
      for (const rule of nodeRules) await iptables(['-D', ...rule]);
      await iptables(['-X', portsChain]);
      await ip(node.namespace, ['link', 'del', bridgeName]);
      await inNode('sysctl', ['-q', '-w', `${forwardingKey}=${previousForwarding}`]);
    },
  };
};
