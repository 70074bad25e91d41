import type { BenchRun } from '../bench-run.js';
import { countLeftovers, describeLeftovers, type Leftovers } from '../leftovers.js';
import { formatRatio, formatSpread } from '../measure.js';
import type { BenchOptions } from '../options.js';
import { bulkPhases } from '../suites/bulk.js';
import { code, listSome, renderTable, spreadOverRuns } from './markdown.js';
import {
  cleanMedian,
  edgeSize,
  findMethod,
  findRound,
  firstAndLast,
  ratioOf,
  setupMedian,
} from './scaling-stats.js';

const methodNames = ['netcore', 'cni-plugins', 'naive'];

/** Leftovers are identical run to run or not: show the worst run's. */
const worstLeftovers = (all: readonly (Leftovers | undefined)[]) =>
  all.reduce<Leftovers | undefined>(
    (worst, current) =>
      current && (!worst || countLeftovers(current) > countLeftovers(worst)) ? current : worst,
    undefined,
  );

/** `none`, or the counts in bold as a leak: what a method left is never hidden in a number. */
const describeLeaks = (leftovers: Leftovers | undefined) =>
  !leftovers || countLeftovers(leftovers) === 0 ? 'none' : `**leaks** ${describeLeftovers(leftovers)}`;

export const renderMethods = ({ runs }: { runs: readonly BenchRun[] }) => {
  const first = runs[0];
  if (!first) return '';
  return first.methods
    .map(({ method }) => `- **${method.name}** (lab ${method.node.name}): ${method.description}`)
    .join('\n');
};

export const renderScaling = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) =>
  renderTable({
    headers: [
      'Method',
      'N',
      'setup, ms per instance',
      'teardown, ms per instance',
      'leftovers after teardown',
    ],
    rows: methodNames.flatMap((name) =>
      options.counts.map((count) => [
        name,
        String(count),
        formatSpread(spreadOverRuns(runs, (run) => setupMedian(run, name, count))),
        formatSpread(spreadOverRuns(runs, (run) => cleanMedian(run, name, count))),
        describeLeaks(worstLeftovers(runs.map((run) => findRound(run, name, count)?.leftovers))),
      ]),
    ),
  });

const emptyLeftovers: Leftovers = {
  namespaces: [],
  links: [],
  veths: [],
  routes: [],
  rules: [],
  chains: [],
  tables: [],
  ipamFiles: [],
  sysctls: [],
};

export const renderGrowth = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) => {
  const largest = Math.max(...options.counts);
  const size = edgeSize(largest);
  return renderTable({
    headers: ['Method', `first ${size}, ms`, `last ${size}, ms`, 'last / first'],
    rows: methodNames.map((name) => {
      const pick = (key: 'first' | 'last' | 'ratio') =>
        spreadOverRuns(runs, (run) => firstAndLast(findRound(run, name, largest))?.[key]);
      const ratio = pick('ratio');
      return [name, formatSpread(pick('first')), formatSpread(pick('last')), formatRatio(ratio.median)];
    }),
  });
};

export const renderRatios = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) =>
  renderTable({
    headers: [
      'N',
      'netcore / CNI, setup',
      'netcore / CNI, teardown',
      'naive / CNI, setup',
      'naive / CNI, teardown',
    ],
    rows: options.counts.map((count) => {
      const ratio = (numerator: string, pick: typeof setupMedian) =>
        formatRatio(
          spreadOverRuns(runs, (run) => ratioOf({ run, count, numerator, denominator: 'cni-plugins', pick }))
            .median,
        );
      return [
        String(count),
        ratio('netcore', setupMedian),
        ratio('netcore', cleanMedian),
        ratio('naive', setupMedian),
        ratio('naive', cleanMedian),
      ];
    }),
  });

/** Processes each method spawns from Node during its calls, per instance, and commands handed to processes kept running or started ahead. */
export const renderProcessCounts = ({ runs }: { runs: readonly BenchRun[] }) =>
  renderTable({
    headers: [
      'Method',
      'processes spawned per setup',
      'per teardown',
      'commands to long-lived ip processes per setup',
      'per teardown',
    ],
    rows: methodNames.map((name) => {
      const perInstance = (operation: string, isSpawn: boolean) =>
        spreadOverRuns(runs, (run) => {
          const entry = findMethod(run, name);
          if (!entry) return undefined;
          const instances = entry.scaling.rounds.reduce((total, round) => total + round.count, 0);
          const records = entry.method.trace.records.filter(
            (record) => record.operation === operation && record.isSpawn === isSpawn,
          );
          return records.length / instances;
        }).median.toFixed(1);
      return [
        name,
        perInstance('setupInstance', true),
        perInstance('cleanInstance', true),
        perInstance('setupInstance', false),
        perInstance('cleanInstance', false),
      ];
    }),
  });

export const renderBulk = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) => {
  const processes = (name: string) =>
    spreadOverRuns(
      runs,
      (run) =>
        run.bulk &&
        run.bulk.trace.records.filter((record) => record.operation === name && record.isSpawn).length /
          run.bulk.count,
    ).median.toFixed(1);
  /** A phase's row: its ms per instance (the result's `<phase>Ms`) and the processes its operation spawned. */
  const row = (label: string, phase: keyof typeof bulkPhases) => [
    label,
    formatSpread(spreadOverRuns(runs, (run) => run.bulk?.[`${phase}Ms`])),
    processes(bulkPhases[phase]),
  ];
  return renderTable({
    headers: [`netcore, N = ${options.bulkCount}`, 'ms per instance', 'processes spawned per instance'],
    rows: [
      row('setupInstances for all (the bulk API), on a node without them (a reboot)', 'bulkSetup'),
      row('setupInstances re-run, all present (an agent restart)', 'reapply'),
      row('cleanInstance for all, fired at once (group commit)', 'concurrentClean'),
      row('setupInstance for all, fired at once (group commit)', 'concurrentSetup'),
      row('setupInstance for all, one after another', 'sequentialSetup'),
    ],
  });
};

export const renderPortGrowth = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) => {
  type Growth = BenchRun['portGrowth'];
  const backends: { pickRun: (run: BenchRun) => Growth }[] = [
    { pickRun: (run) => run.portGrowth },
    { pickRun: (run) => run.portGrowthNftables },
  ];
  const pick = (key: 'firstMs' | 'afterManyMs' | 'installManyMs' | 'growListMs') =>
    backends.map(({ pickRun }) => formatSpread(spreadOverRuns(runs, (run) => pickRun(run)?.[key])));
  const ratio = backends.map(({ pickRun }) =>
    formatRatio(
      spreadOverRuns(runs, (run) => {
        const growth = pickRun(run);
        return growth && growth.afterManyMs / growth.firstMs;
      }).median,
    ),
  );
  return renderTable({
    headers: ['netcore setPortMappings', 'iptables (default), ms', 'nftables backend, ms'],
    rows: [
      ['add 1 mapping to an instance, node has no other mapping (#1)', ...pick('firstMs')],
      [
        `add 1 mapping to an instance, another instance holds ${options.mappingCount} (#${options.mappingCount + 1})`,
        ...pick('afterManyMs'),
      ],
      [`ratio #${options.mappingCount + 1} / #1`, ...ratio],
      [`install ${options.mappingCount} mappings in one call`, ...pick('installManyMs')],
      [
        `grow that instance's own list from ${options.mappingCount} to ${options.mappingCount + 1}`,
        ...pick('growListMs'),
      ],
    ],
  });
};

export const renderAgent = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) => {
  const pick = (key: keyof Omit<NonNullable<BenchRun['agent']>, 'calls'>) =>
    formatSpread(spreadOverRuns(runs, (run) => run.agent?.[key]));
  const overhead = (
    direct: 'directSetupMs' | 'directNamespaceNameMs',
    viaAgent: 'agentSetupMs' | 'agentNamespaceNameMs',
  ) => formatSpread(spreadOverRuns(runs, (run) => run.agent && run.agent[viaAgent] - run.agent[direct]));
  return renderTable({
    headers: [
      `median of ${options.agentCalls} calls, direct and through the agent alternating`,
      'direct',
      'through the agent',
      'overhead',
    ],
    rows: [
      [
        'setupInstance (idempotent re-run of an existing instance)',
        pick('directSetupMs'),
        pick('agentSetupMs'),
        overhead('directSetupMs', 'agentSetupMs'),
      ],
      [
        'getNamespaceName (no kernel work: the bare round trip)',
        pick('directNamespaceNameMs'),
        pick('agentNamespaceNameMs'),
        overhead('directNamespaceNameMs', 'agentNamespaceNameMs'),
      ],
    ],
  });
};

export const renderResidue = ({ runs }: { runs: readonly BenchRun[] }) =>
  renderTable({
    headers: ['Method', 'left on the node after its last teardown', 'what'],
    rows: methodNames.map((name) => {
      const residue =
        worstLeftovers(runs.map((run) => findMethod(run, name)?.scaling.residue)) ?? emptyLeftovers;
      const items = [
        ...residue.namespaces,
        ...residue.links.map((link) => `link ${link}`),
        ...residue.tables.map((table) => `table ${table}`),
        ...residue.chains.map((chain) => `chain ${chain}`),
        ...residue.rules,
        ...residue.ipamFiles.map((file) => `IPAM ${file}`),
        ...residue.sysctls,
      ];
      return [name, describeLeftovers(residue), items.length ? code(listSome(items)) : ''];
    }),
  });

export const renderKernelCosts = ({ runs }: { runs: readonly BenchRun[] }) => {
  const first = runs[0];
  if (!first) return '';
  return renderTable({
    headers: ['Step (lab node4)', 'ms (median)'],
    rows: first.kernelCosts.map((cost) => [
      cost.label,
      formatSpread(
        spreadOverRuns(runs, (run) => run.kernelCosts.find((candidate) => candidate.key === cost.key)?.ms),
      ),
    ]),
  });
};

export const renderChecks = ({ runs }: { runs: readonly BenchRun[] }) => {
  const checks = runs.flatMap((run) => run.checks);
  const failed = checks.filter((check) => !check.isOk);
  const summary = `${checks.length - failed.length} of ${checks.length} checks passed over ${runs.length} run(s): before each timing is reported, the first instance pings the last one, and the port mappings of the first and last instances answer from the outside namespace with the client's real address; after each teardown, leftovers are counted.`;
  if (failed.length === 0) return summary;
  return `${summary}\n\nFailed:\n\n${failed.map((check) => `- ${check.scope}: ${check.label} (${check.detail})`).join('\n')}`;
};
