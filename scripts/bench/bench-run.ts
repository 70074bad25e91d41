import type { Lab } from '@kudo/netcore/lab';
import type { Check } from './correctness.js';
import { createCniPluginsMethod } from './methods/cni-plugins.js';
import type { InstanceMethod } from './methods/instance-method.js';
import { createNaiveMethod } from './methods/naive.js';
import { createNetcoreMethod } from './methods/netcore.js';
import { type BenchOptions, flatWarmUpCount } from './options.js';
import { type AgentOverheadResult, runAgentOverhead } from './suites/agent-overhead.js';
import { type BulkResult, runBulk } from './suites/bulk.js';
import { measureFasterPaths } from './suites/faster-paths.js';
import { type KernelCost, measureKernelCosts } from './suites/kernel-costs.js';
import { measurePortCandidates, type PortCandidatesResult } from './suites/port-candidates.js';
import { type PortGrowthResult, runPortGrowth } from './suites/port-growth.js';
import { runScaling, type ScalingResult } from './suites/scaling.js';

export type MethodRun = { method: InstanceMethod; scaling: ScalingResult };

/** Everything one run measured; the report takes medians and spreads over several of these. */
export type BenchRun = {
  methods: MethodRun[];
  /** netcore alone with `flatCount` instances on one node (growth of setup and teardown). */
  flat: ScalingResult | undefined;
  /** The same on a node whose port mappings are in netcore's nftables backend. */
  flatNftables: ScalingResult | undefined;
  bulk: BulkResult | undefined;
  portGrowth: PortGrowthResult | undefined;
  /** The same with the node's port mappings in netcore's nftables backend (setupNode portMappingBackend). */
  portGrowthNftables: PortGrowthResult | undefined;
  /** Raw iptables and nftables ways to hold port mappings, side by side (issue 16). */
  portCandidates: PortCandidatesResult | undefined;
  agent: AgentOverheadResult | undefined;
  kernelCosts: KernelCost[];
  checks: Check[];
};

/** Runs a suite; a crash becomes a failed check (and the other suites still run, unless stopping). */
const attempt = async <T>({
  scope,
  checks,
  work,
  isStopping,
}: {
  scope: string;
  checks: Check[];
  work: () => Promise<T>;
  isStopping: () => boolean;
}) => {
  if (isStopping()) return undefined;
  try {
    return await work();
  } catch (error) {
    if (isStopping()) return undefined;
    console.error(
      `  ${scope} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    checks.push({
      scope,
      label: `${scope} completes`,
      isOk: false,
      detail: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
};

/**
 * One run in an existing lab: node1 for netcore (scaling, bulk, port growth, agent), node2 for the CNI
 * plugins, node3 for the naive sequence, node4 for the kernel probes. Each suite leaves its node as found.
 */
export const runBench = async ({
  lab,
  options,
  ipamDirectory,
  isStopping,
}: {
  lab: Lab;
  options: BenchOptions;
  ipamDirectory: string;
  /** True once a signal asked the run to stop: the remaining suites are skipped. */
  isStopping: () => boolean;
}): Promise<BenchRun> => {
  const [netcoreNode, cniNode, naiveNode, probeNode] = lab.nodes;
  if (!netcoreNode || !cniNode || !naiveNode || !probeNode) throw new Error('the bench lab needs 4 nodes');
  const checks: Check[] = [];
  const methods: MethodRun[] = [];
  for (const method of [
    createNetcoreMethod({ node: netcoreNode }),
    createCniPluginsMethod({ node: cniNode, labPrefix: lab.prefix, ipamDirectory }),
    createNaiveMethod({ node: naiveNode, labPrefix: lab.prefix }),
  ]) {
    console.log(`- ${method.name} on ${method.node.name}`);
    const scaling = await attempt({
      scope: method.name,
      checks,
      isStopping,
      work: () => runScaling({ method, counts: options.counts, lab }),
    });
    if (scaling) {
      checks.push(...scaling.checks);
      methods.push({ method, scaling });
    }
  }
  type Backend = 'iptables' | 'nftables';
  const scopeOf = (label: string, backend: Backend) =>
    backend === 'iptables' ? label : `${label} (nftables)`;
  const runFlat = async (backend: Backend) => {
    console.log(`- ${scopeOf('flat', backend)}: netcore with ${options.flatCount} instances on one node`);
    const result = await attempt({
      scope: scopeOf('flat', backend),
      checks,
      isStopping,
      work: () =>
        runScaling({
          method: createNetcoreMethod({ node: netcoreNode, portMappingBackend: backend }),
          counts: [options.flatCount],
          lab,
          warmUpCount: flatWarmUpCount,
        }),
    });
    if (result) checks.push(...result.checks);
    return result;
  };
  const flat = await runFlat('iptables');
  const flatNftables = await runFlat('nftables');
  console.log(`- bulk: ${options.bulkCount} instances at once`);
  const bulk = await attempt({
    scope: 'bulk',
    checks,
    isStopping,
    work: () => runBulk({ node: netcoreNode, lab, count: options.bulkCount }),
  });
  if (bulk) checks.push(...bulk.checks);
  const runGrowth = async (backend: Backend) => {
    console.log(`- ${scopeOf('port growth', backend)}: mapping #1 against #${options.mappingCount + 1}`);
    const result = await attempt({
      scope: scopeOf('port growth', backend),
      checks,
      isStopping,
      work: () =>
        runPortGrowth({
          node: netcoreNode,
          lab,
          mappingCount: options.mappingCount,
          repetitions: options.repetitions,
          portMappingBackend: backend,
        }),
    });
    if (result) checks.push(...result.checks);
    return result;
  };
  const portGrowth = await runGrowth('iptables');
  const portGrowthNftables = await runGrowth('nftables');
  console.log(
    `- port mapping candidates: iptables and nftables with ${options.candidateMappingCount} mappings`,
  );
  const portCandidates = await attempt({
    scope: 'port candidates',
    checks,
    isStopping,
    work: () =>
      measurePortCandidates({
        labPrefix: lab.prefix,
        mappingCount: options.candidateMappingCount,
        repetitions: options.repetitions,
      }),
  });
  console.log('- agent overhead');
  const agent = await attempt({
    scope: 'agent',
    checks,
    isStopping,
    work: () => runAgentOverhead({ node: netcoreNode, calls: options.agentCalls }),
  });
  console.log('- kernel costs');
  const probe = { node: probeNode, labPrefix: lab.prefix, repetitions: options.repetitions };
  const kernelCosts = [
    ...((await attempt({
      scope: 'kernel costs',
      checks,
      isStopping,
      work: () => measureKernelCosts(probe),
    })) ?? []),
    ...((await attempt({
      scope: 'faster paths',
      checks,
      isStopping,
      work: () => measureFasterPaths(probe),
    })) ?? []),
  ];
  return {
    methods,
    flat,
    flatNftables,
    bulk,
    portGrowth,
    portGrowthNftables,
    portCandidates,
    agent,
    kernelCosts,
    checks,
  };
};
