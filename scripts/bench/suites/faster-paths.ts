import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createExecaRunner } from '@kudo/netcore';
import { startLongLivedIp } from '../long-lived-ip.js';
import { median } from '../measure.js';
import type { KernelCost, KernelCostProbe } from './kernel-costs.js';

const probeChain = 'BENCH-SPARE';

/** The instance side of setupInstance, as netcore writes it (address, link up, default route). */
const instanceLines = [
  'link set lo up',
  'addr flush dev eth0',
  'addr add 10.98.0.2/24 dev eth0',
  'link set eth0 up',
  'route replace default via 10.98.0.1 dev eth0',
];

/** An `iptables-restore --noflush` started ahead of need in the node, waiting on its standard input. */
const startSpareRestore = ({ namespace }: { namespace: string }) => {
  const child = spawn(
    'nsenter',
    [`--net=/run/netns/${namespace}`, '--', 'iptables-restore', '--noflush', '--wait', '10'],
    {
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve, reject) =>
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`iptables-restore: ${stderr.trim()}`)),
    ),
  );
  return {
    apply: (script: string) => {
      child.stdin.end(script);
      return exited;
    },
  };
};

/**
 * Prices of the ways to run an instance's side and an iptables transaction: spawned from Node, entered
 * with nsenter, started by an `ip` process that is already running with `netns exec ... FILE` (a fork from
 * a small process instead of a spawn from Node: what netcore did), started with `nsenter --net` by a
 * long-lived `sh` (what netcore does: no copy of the mount table), and an `iptables-restore` spawned
 * ahead of need that only has to read its script and commit.
 */
export const measureFasterPaths = async ({
  node,
  labPrefix,
  repetitions,
}: KernelCostProbe): Promise<KernelCost[]> => {
  // Spawns every command from Node, for the comparison; netcore's own runner is `netcore` below.
  const runner = createExecaRunner({ isExecThroughStarters: false });
  const netcore = createExecaRunner();
  const namespace = `${labPrefix}-probe-i-fast`;
  const directory = await mkdtemp(join(tmpdir(), 'kudo-bench-batch-'));
  const batchFile = join(directory, 'instance.batch');
  const resident = startLongLivedIp({ namespace: node.namespace });
  const restore = (lines: string[]) =>
    runner.run({
      file: 'nsenter',
      args: [`--net=/run/netns/${node.namespace}`, '--', 'iptables-restore', '--noflush', '--wait', '10'],
      input: `*nat\n${lines.join('\n')}\nCOMMIT\n`,
    });
  const dnat = (port: number) => `${probeChain} -p tcp --dport ${port} -j DNAT --to-destination 10.98.0.2:80`;
  try {
    await runner.run({ file: 'ip', args: ['netns', 'add', namespace] });
    await runner.run({
      file: 'ip',
      args: [
        '-n',
        node.namespace,
        'link',
        'add',
        'kbfast0',
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        namespace,
      ],
    });
    await writeFile(batchFile, `${instanceLines.join('\n')}\n`);
    const spawned: number[] = [];
    const entered: number[] = [];
    const forked: number[] = [];
    const started: number[] = [];
    for (let index = 0; index < repetitions; index += 1) {
      let start = performance.now();
      await runner.run({
        file: 'ip',
        args: ['-n', namespace, '-batch', '-'],
        input: `${instanceLines.join('\n')}\n`,
      });
      spawned.push(performance.now() - start);
      start = performance.now();
      await runner.run({
        file: 'nsenter',
        args: [`--net=/run/netns/${namespace}`, '--', 'ip', '-batch', '-'],
        input: `${instanceLines.join('\n')}\n`,
      });
      entered.push(performance.now() - start);
      start = performance.now();
      const { stderr } = await resident.run([`netns exec ${namespace} ip -batch ${batchFile}`]);
      forked.push(performance.now() - start);
      if (stderr.trim()) throw new Error(`netns exec failed: ${stderr.trim()}`);
      start = performance.now();
      await netcore.run({
        kind: 'ip-batch',
        namespace,
        file: 'ip',
        args: ['-batch', '-'],
        input: `${instanceLines.join('\n')}\n`,
      });
      started.push(performance.now() - start);
    }
    await restore([`:${probeChain} - [0:0]`]);
    const throughIp: number[] = [];
    for (let index = 0; index < repetitions; index += 1) {
      const start = performance.now();
      await netcore.run({
        kind: 'reads-input-file',
        namespace: node.namespace,
        file: 'iptables-restore',
        args: ['--noflush', '--wait', '10'],
        input: `*nat\n-A ${dnat(4000 + index)}\nCOMMIT\n`,
      });
      throughIp.push(performance.now() - start);
    }
    const spare: number[] = [];
    for (let index = 0; index < repetitions; index += 1) {
      const ready = startSpareRestore({ namespace: node.namespace });
      await sleep(50);
      const start = performance.now();
      await ready.apply(`*nat\n-A ${dnat(3000 + index)}\nCOMMIT\n`);
      spare.push(performance.now() - start);
    }
    return [
      {
        key: 'instance-batch-spawn',
        label: 'instance side (5 `ip` lines) as `ip -n NS -batch -` spawned from Node',
        ms: median(spawned),
      },
      {
        key: 'instance-batch-nsenter',
        label: 'the same as `nsenter --net=... ip -batch -` spawned from Node (no private mount namespace)',
        ms: median(entered),
      },
      {
        key: 'instance-batch-netns-exec',
        label:
          'the same as netcore ran it before: `netns exec NS ip -batch FILE` written to a long-lived `ip`',
        ms: median(forked),
      },
      {
        key: 'instance-batch-starter',
        label:
          'the same as netcore runs it: `nsenter --net=... ip -force -batch FILE` started by a long-lived `sh`',
        ms: median(started),
      },
      {
        key: 'iptables-add-through-ip',
        label:
          'appending one rule as netcore does in a lab node: `nsenter --net=NODE iptables-restore FILE` by a long-lived `sh`',
        ms: median(throughIp),
      },
      {
        key: 'iptables-add-spare',
        label:
          'appending one rule with an `iptables-restore` spawned ahead of need (not used: a spawn per transaction all the same)',
        ms: median(spare),
      },
    ];
  } finally {
    await resident.stop();
    netcore.close?.();
    await restore([`-F ${probeChain}`, `-X ${probeChain}`]).catch(() => undefined);
    await runner.run({ file: 'ip', args: ['netns', 'del', namespace] }).catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  }
};
