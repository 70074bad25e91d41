import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecaRunner } from '@kudo/netcore';
import { median, repeatMs } from '../measure.js';

/** One way to store port mappings in the kernel, priced on an empty node and on one holding many. */
export type PortCandidateRow = {
  candidate: string;
  operation: 'add 1' | 'remove 1';
  emptyMs: number;
  fullMs: number;
};

export type PortCandidatesResult = {
  mappingCount: number;
  /** How long putting the many mappings in place took, per candidate (one transaction each). */
  fillMs: { candidate: string; ms: number }[];
  rows: PortCandidateRow[];
};

const oneChain = 'iptables, one chain of DNAT rules (netcore before the buckets)';
const instanceChain = "iptables, the instance's own chain (another chain holds the many)";
const bucketChains =
  "iptables, 64 bucket chains by instance (netcore's layout; the many spread over all 64, the probe's bucket holds its 64th)";
const bucketCount = 64;
const bucketName = (index: number) => `KUDO-B-${(index % bucketCount).toString(16).padStart(2, '0')}`;
const buckets = Array.from({ length: bucketCount }, (_, index) => bucketName(index));
const nftMap = 'nftables, one map (`dnat to meta l4proto . th dport map @hostports`)';

const dnat = ({ chain, port, owner }: { chain: string; port: number; owner: string }) =>
  `-A ${chain} -p tcp -m tcp --dport ${port} -m comment --comment kudo:instance=${owner} -j DNAT --to-destination 10.97.${Math.floor(port / 250) % 250}.${(port % 250) + 2}:8080`;

/**
 * The candidates of issue 16 side by side, on raw commands in a network namespace of their own (each a
 * process spawned the same way, so only the kernel and the tool differ): adding and removing one mapping
 * on an empty node, then with `mappingCount` mappings of another instance in place. nftables keeps
 * mappings as elements of one map behind one rule; iptables keeps one DNAT rule per mapping.
 */
export const measurePortCandidates = async ({
  labPrefix,
  mappingCount,
  repetitions,
}: {
  labPrefix: string;
  mappingCount: number;
  repetitions: number;
}): Promise<PortCandidatesResult> => {
  const runner = createExecaRunner({ isExecThroughStarters: false });
  const namespace = `${labPrefix}-probe-ports`;
  const inside = (file: string, args: string[], input?: string) =>
    runner.run({ file: 'nsenter', args: [`--net=/run/netns/${namespace}`, '--', file, ...args], input });
  const restore = (lines: string[]) =>
    inside('iptables-restore', ['--noflush', '--wait', '10'], `*nat\n${lines.join('\n')}\nCOMMIT\n`);
  const nft = (script: string) => inside('nft', ['-f', '-'], script);
  const probe = (index: number) => 60_000 + index;
  const ports = Array.from({ length: mappingCount }, (_, index) => 1 + index);
  const iptablesFill = (chainOf: (port: number) => string) =>
    `*nat\n${ports.map((port) => dnat({ chain: chainOf(port), port, owner: 'a' })).join('\n')}\nCOMMIT\n`;
  const candidates = [
    {
      candidate: oneChain,
      add: (index: number) => restore([dnat({ chain: 'KUDO-HOSTPORTS', port: probe(index), owner: 'b' })]),
      remove: (index: number) =>
        restore([dnat({ chain: 'KUDO-HOSTPORTS', port: probe(index), owner: 'b' }).replace('-A', '-D')]),
      fill: {
        file: 'iptables-restore',
        args: ['--noflush', '--wait', '10'],
        text: iptablesFill(() => 'KUDO-HOSTPORTS'),
      },
      empty: () =>
        restore(['-F KUDO-HOSTPORTS', '-A KUDO-HOSTPORTS -j KUDO-I-A', '-A KUDO-HOSTPORTS -j KUDO-I-B']),
    },
    {
      candidate: instanceChain,
      add: (index: number) => restore([dnat({ chain: 'KUDO-I-B', port: probe(index), owner: 'b' })]),
      remove: (index: number) =>
        restore([dnat({ chain: 'KUDO-I-B', port: probe(index), owner: 'b' }).replace('-A', '-D')]),
      fill: {
        file: 'iptables-restore',
        args: ['--noflush', '--wait', '10'],
        text: iptablesFill(() => 'KUDO-I-A'),
      },
      empty: () => restore(['-F KUDO-I-A']),
    },
    {
      candidate: bucketChains,
      add: (index: number) => restore([dnat({ chain: bucketName(0), port: probe(index), owner: 'b' })]),
      remove: (index: number) =>
        restore([dnat({ chain: bucketName(0), port: probe(index), owner: 'b' }).replace('-A', '-D')]),
      fill: {
        file: 'iptables-restore',
        args: ['--noflush', '--wait', '10'],
        text: iptablesFill((port) => bucketName(port)),
      },
      empty: () => restore(buckets.map((bucket) => `-F ${bucket}`)),
    },
    {
      candidate: nftMap,
      add: (index: number) =>
        nft(`add element ip kudo hostports { tcp . ${probe(index)} : 10.97.0.9 . 8080 }\n`),
      remove: (index: number) => nft(`delete element ip kudo hostports { tcp . ${probe(index)} }\n`),
      fill: {
        file: 'nft',
        args: ['-f'],
        text: `add element ip kudo hostports {\n${ports.map((port) => `tcp . ${port} : 10.97.0.8 . 8080`).join(',\n')}\n}\n`,
      },
      empty: () => nft('flush map ip kudo hostports\n'),
    },
  ];
  /** Median of adding then removing the probe mapping, `repetitions` times. */
  const measure = async ({ add, remove }: (typeof candidates)[number]) => {
    const adds: number[] = [];
    const removes: number[] = [];
    for (let index = 0; index < repetitions; index += 1) {
      adds.push(...(await repeatMs({ times: 1, work: () => add(index) })));
      removes.push(...(await repeatMs({ times: 1, work: () => remove(index) })));
    }
    return { addMs: median(adds), removeMs: median(removes) };
  };
  const scratchDirectory = await mkdtemp(join(tmpdir(), 'kudo-bench-ports-'));
  await runner.run({ file: 'ip', args: ['netns', 'add', namespace] });
  try {
    await restore([
      ':KUDO-HOSTPORTS - [0:0]',
      ':KUDO-I-A - [0:0]',
      ':KUDO-I-B - [0:0]',
      ':KUDO-BUCKETS - [0:0]',
      ...buckets.map((bucket) => `:${bucket} - [0:0]`),
      '-A PREROUTING -m addrtype --dst-type LOCAL -j KUDO-HOSTPORTS',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j KUDO-BUCKETS',
      '-A KUDO-HOSTPORTS -j KUDO-I-A',
      '-A KUDO-HOSTPORTS -j KUDO-I-B',
      ...buckets.map((bucket) => `-A KUDO-BUCKETS -j ${bucket}`),
    ]);
    await nft(
      [
        'table ip kudo {',
        '  map hostports { type inet_proto . inet_service : ipv4_addr . inet_service; }',
        '  chain prerouting {',
        '    type nat hook prerouting priority dstnat;',
        '    fib daddr type local dnat ip to meta l4proto . th dport map @hostports',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const fillMs: PortCandidatesResult['fillMs'] = [];
    const rows: PortCandidateRow[] = [];
    // Each candidate in turn: on the empty node, then with the many in place (another instance's:
    // written as a file, 20,000 lines being more than a command line holds), then emptied again.
    for (const [index, each] of candidates.entries()) {
      const empty = await measure(each);
      const path = join(scratchDirectory, `fill-${index}`);
      await writeFile(path, each.fill.text);
      const [ms = Number.NaN] = await repeatMs({
        times: 1,
        work: () => inside(each.fill.file, [...each.fill.args, path]),
      });
      fillMs.push({ candidate: each.candidate, ms });
      const full = await measure(each);
      await each.empty();
      rows.push(
        { candidate: each.candidate, operation: 'add 1', emptyMs: empty.addMs, fullMs: full.addMs },
        { candidate: each.candidate, operation: 'remove 1', emptyMs: empty.removeMs, fullMs: full.removeMs },
      );
    }
    return { mappingCount, fillMs, rows };
  } finally {
    // Everything measured lives in the namespace: deleting it removes every rule, chain and map.
    await runner.run({ file: 'ip', args: ['netns', 'del', namespace] }).catch(() => undefined);
    await rm(scratchDirectory, { recursive: true, force: true });
    runner.close?.();
  }
};
