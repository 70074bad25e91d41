import type { Lab } from '@kudo/netcore/lab';
import { type Check, checkTraffic, type ReachableInstance } from '../correctness.js';
import {
  checkNoLeftovers,
  describeLeftovers,
  findLeftovers,
  type Leftovers,
  readNodeState,
} from '../leftovers.js';
import { measureMs, median } from '../measure.js';
import { type InstanceMethod, planInstances } from '../methods/instance-method.js';

/** One round: N instances set up one after another on one node, checked, then torn down one after another. */
export type ScalingRound = {
  method: string;
  count: number;
  setupMs: number[];
  cleanMs: number[];
  leftovers: Leftovers;
};

export type ScalingResult = {
  rounds: ScalingRound[];
  /** What remains after the method's node-level teardown, against the node before the method touched it. */
  residue: Leftovers;
  checks: Check[];
};

const labelOf = (method: InstanceMethod, count: number) => `${method.name} N=${count}`;

const runRound = async ({
  method,
  count,
  lab,
  readState,
  baseline,
}: {
  method: InstanceMethod;
  count: number;
  lab: Lab;
  readState: () => ReturnType<typeof readNodeState>;
  baseline: Awaited<ReturnType<typeof readNodeState>>;
}) => {
  const instances = planInstances({ count });
  const setupMs: number[] = [];
  const cleanMs: number[] = [];
  const reachable: ReachableInstance[] = [];
  const checks: Check[] = [];
  const scope = labelOf(method, count);
  try {
    for (const instance of instances) {
      const { result, ms } = await measureMs(() =>
        method.trace.traced({ name: 'setupInstance', work: () => method.setupInstance(instance) }),
      );
      reachable.push(result);
      setupMs.push(ms);
    }
    checks.push(
      ...(await checkTraffic({
        scope,
        instances: reachable,
        gatewayAddr: method.gatewayAddr,
        nodeAddr: method.node.externalIpAddr,
        outside: lab.outside,
      })),
    );
  } finally {
    for (const instance of instances.slice(0, reachable.length + 1)) {
      const { ms } = await measureMs(() =>
        method.trace.traced({ name: 'cleanInstance', work: () => method.cleanInstance(instance) }),
      ).catch((error: unknown) => {
        checks.push({ scope, label: `teardown of ${instance.id}`, isOk: false, detail: String(error) });
        return { ms: Number.NaN };
      });
      if (instance.index < reachable.length) cleanMs.push(ms);
    }
  }
  const leftovers = findLeftovers({ before: baseline, after: await readState() });
  const round: ScalingRound = { method: method.name, count, setupMs, cleanMs, leftovers };
  return { round, checks };
};

/**
 * Every count in turn on one method's node: prepare the node, then for each N a round, counting after each
 * teardown what was left against the baseline; finally the node teardown and its residue.
 */
export const runScaling = async ({
  method,
  counts,
  lab,
  warmUpCount = 0,
}: {
  method: InstanceMethod;
  counts: readonly number[];
  lab: Lab;
  /**
   * Instances set up and cleaned, untimed, after the node's setup and before the rounds: the flat test
   * compares the first and last 10 by the node's occupancy, and without it the first 10 also paid for
   * the node's start (helper processes starting), which hid growth.
   */
  warmUpCount?: number;
}): Promise<ScalingResult> => {
  const readState = () =>
    readNodeState({
      nodeNamespace: method.node.namespace,
      labPrefix: lab.prefix,
      ipamDirectory: method.ipamDirectory,
    });
  const pristine = await readState();
  const rounds: ScalingRound[] = [];
  const checks: Check[] = [];
  await method.prepareNode();
  try {
    const warmUp = planInstances({ count: warmUpCount });
    for (const instance of warmUp) await method.setupInstance(instance);
    for (const instance of warmUp) await method.cleanInstance(instance);
    const baseline = method.isBaselinePristine ? pristine : await readState();
    for (const count of counts) {
      const result = await runRound({ method, count, lab, readState, baseline });
      rounds.push(result.round);
      checks.push(...result.checks);
      console.log(
        `  ${labelOf(method, count)}: setup ${median(result.round.setupMs).toFixed(1)} ms, teardown ${median(result.round.cleanMs).toFixed(1)} ms per instance, leftovers: ${describeLeftovers(result.round.leftovers)}`,
      );
    }
  } finally {
    await method.cleanNode();
  }
  const residue = findLeftovers({ before: pristine, after: await readState() });
  if (method.name.startsWith('netcore')) {
    for (const round of rounds)
      checks.push(
        checkNoLeftovers({
          scope: labelOf(method, round.count),
          label: 'netcore leaves nothing behind after cleanInstance',
          leftovers: round.leftovers,
        }),
      );
    // An emptied iptables table (nf_tables keeps it once used) is reported, not counted as a leak.
    checks.push(
      checkNoLeftovers({
        scope: 'netcore',
        label: 'cleanNode leaves no namespace, link, route, rule, chain, IPAM file or sysctl behind',
        leftovers: residue,
        counted: { ...residue, tables: [] },
      }),
    );
  }
  return { rounds, residue, checks };
};
