import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createExecaRunner } from '@kudo/netcore';
import type { LabNode } from '@kudo/netcore/lab';
import { startLongLivedIp } from '../long-lived-ip.js';
import { measureMs, median, repeatMs } from '../measure.js';

/** A price of one elementary step, in ms (median over its repetitions). */
export type KernelCost = { key: string; label: string; ms: number };

/** Where and how often the prices are measured: a lab node of their own, each step `repetitions` times. */
export type KernelCostProbe = { node: LabNode; labPrefix: string; repetitions: number };

const probeChain = 'BENCH-PROBE';
const runFile = promisify(execFile);

/**
 * What the elementary steps cost on this machine, in a lab node of their own: spawning a process from Node,
 * entering a namespace, creating and deleting a veth (synchronous) or its namespace (asynchronous), and
 * iptables transactions with and without deletions. They explain the per-operation numbers.
 */
export const measureKernelCosts = async ({
  node,
  labPrefix,
  repetitions,
}: KernelCostProbe): Promise<KernelCost[]> => {
  const runner = createExecaRunner();
  const costs: KernelCost[] = [];
  const record = (key: string, label: string, durations: readonly number[]) =>
    costs.push({ key, label, ms: median(durations) });
  const inNode = (file: string, args: string[], input?: string) =>
    runner.run({ file: 'nsenter', args: [`--net=/run/netns/${node.namespace}`, '--', file, ...args], input });
  const ip = (args: string[]) => runner.run({ file: 'ip', args: ['-n', node.namespace, ...args] });
  const restore = (lines: string[]) =>
    inNode('iptables-restore', ['--noflush', '--wait', '10'], `*nat\n${lines.join('\n')}\nCOMMIT\n`);
  const dnat = (port: number) => `${probeChain} -p tcp --dport ${port} -j DNAT --to-destination 10.99.0.2:80`;

  record(
    'spawn',
    "spawn a process from Node (`true` through execa, as netcore's runner does)",
    await repeatMs({ times: repetitions * 2, work: () => runner.run({ file: 'true', args: [] }) }),
  );
  record(
    'spawn-exec-file',
    'the same with `node:child_process` execFile (no execa)',
    await repeatMs({ times: repetitions * 2, work: () => runFile('true') }),
  );
  record(
    'nsenter',
    'spawn + enter the node namespace (`nsenter --net=... true`)',
    await repeatMs({ times: repetitions * 2, work: () => inNode('true', []) }),
  );
  record(
    'ip-read',
    '`ip -n NODE link show dev lo` (a read: spawn + namespace switch)',
    await repeatMs({ times: repetitions * 2, work: () => ip(['link', 'show', 'dev', 'lo']) }),
  );

  const vethAdd = await repeatMs({
    times: repetitions,
    work: (index) => ip(['link', 'add', `kbpa${index}`, 'type', 'veth', 'peer', 'name', `kbpb${index}`]),
  });
  record('veth-add', '`ip link add` of a veth pair (one process)', vethAdd);
  record(
    'veth-del',
    '`ip link del` of a veth (one process; synchronous delete)',
    await repeatMs({ times: repetitions, work: (index) => ip(['link', 'del', `kbpa${index}`]) }),
  );

  const resident = startLongLivedIp({ namespace: node.namespace });
  try {
    const count = repetitions * 5;
    record(
      'veth-add-resident',
      `veth creation written to a long-lived \`ip -batch -\` (${count} in a row)`,
      await repeatMs({
        times: count,
        work: (index) => resident.run([`link add kbqa${index} type veth peer name kbqb${index}`]),
      }),
    );
    record(
      'veth-del-resident',
      'veth deletion written to the long-lived `ip` (still synchronous in the kernel)',
      await repeatMs({ times: count, work: (index) => resident.run([`link del kbqa${index}`]) }),
    );
    const deleteAsNetcore = (name: string) =>
      runner.run({
        kind: 'ip-link-delete',
        namespace: node.namespace,
        file: 'ip',
        args: ['-batch', '-'],
        input: `link del ${name}\n`,
      });
    // One deletion first: the monitor is started by it and may not yet listen when its message comes.
    await resident.run(['link add kbra type veth peer name kbrb']);
    await deleteAsNetcore('kbra');
    for (let index = 0; index < count; index += 1)
      await resident.run([`link add kbra${index} type veth peer name kbrb${index}`]);
    record(
      'veth-del-reported',
      'veth deletion as netcore does it: answered when `ip monitor link` reports it (before the RCU barrier)',
      await repeatMs({ times: count, work: (index) => deleteAsNetcore(`kbra${index}`) }),
    );
    const namespaceDel: number[] = [];
    const vethGone: number[] = [];
    for (let index = 0; index < repetitions; index += 1) {
      const namespace = `${labPrefix}-probe-i-${index}`;
      await runner.run({ file: 'ip', args: ['netns', 'add', namespace] });
      await ip(['link', 'add', `kbqn${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace]);
      const start = performance.now();
      await runner.run({ file: 'ip', args: ['netns', 'del', namespace] });
      namespaceDel.push(performance.now() - start);
      // `link show dev X` of a missing X ends ip even with -force, so the whole list is read instead.
      const isPresent = async () => (await resident.run(['link show'])).stdout.includes(`: kbqn${index}@`);
      while (await isPresent()) {
        // polled again at once: each round trip costs well under a millisecond
      }
      vethGone.push(performance.now() - start);
    }
    record(
      'netns-del',
      '`ip netns del` of an instance namespace holding a veth end (returns at once)',
      namespaceDel,
    );
    record(
      'netns-del-veth-gone',
      '... until the veth has left the node (kernel cleans the namespace asynchronously)',
      vethGone,
    );
  } finally {
    await resident.stop();
  }

  await restore([`:${probeChain} - [0:0]`]);
  try {
    const adds: number[] = [];
    const deletes: number[] = [];
    for (let index = 0; index < repetitions; index += 1) {
      adds.push((await measureMs(() => restore([`-A ${dnat(1000 + index)}`]))).ms);
      deletes.push((await measureMs(() => restore([`-D ${dnat(1000 + index)}`]))).ms);
    }
    record('iptables-add', '`iptables-restore --noflush` appending one rule', adds);
    record(
      'iptables-del',
      '`iptables-restore --noflush` deleting one rule (kernel waits before returning)',
      deletes,
    );
    const ports = Array.from({ length: 10 }, (_, index) => 2000 + index);
    const tenDeletes: number[] = [];
    for (let index = 0; index < repetitions; index += 1) {
      await restore(ports.map((port) => `-A ${dnat(port)}`));
      tenDeletes.push((await measureMs(() => restore(ports.map((port) => `-D ${dnat(port)}`)))).ms);
    }
    record(
      'iptables-del-10',
      '`iptables-restore --noflush` deleting 10 rules in one transaction',
      tenDeletes,
    );
    record(
      'iptables-save-empty',
      '`iptables-save` of the node (a few rules)',
      await repeatMs({ times: repetitions, work: () => inNode('iptables-save', []) }),
    );
    await restore(Array.from({ length: 1000 }, (_, index) => `-A ${dnat(10_000 + index)}`));
    record(
      'iptables-save-1000',
      '`iptables-save` of the node with 1,000 more rules',
      await repeatMs({ times: repetitions, work: () => inNode('iptables-save', []) }),
    );
    const addsToFull: number[] = [];
    for (let index = 0; index < repetitions; index += 1) {
      addsToFull.push((await measureMs(() => restore([`-A ${dnat(1000 + index)}`]))).ms);
      await restore([`-D ${dnat(1000 + index)}`]);
    }
    record(
      'iptables-add-1000',
      '`iptables-restore --noflush` appending one rule to a chain of 1,000',
      addsToFull,
    );
  } finally {
    await restore([`-F ${probeChain}`, `-X ${probeChain}`]);
  }
  return costs;
};
