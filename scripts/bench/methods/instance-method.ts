import type { LabNode } from '@kudo/netcore/lab';
import type { CommandTrace } from '../command-trace.js';
import type { ReachableInstance } from '../correctness.js';

/** One instance of a benchmark round: a stable id and its one TCP port mapping. */
export type BenchInstance = { index: number; id: string; hostPort: number; instancePort: number };

/** The same work done three ways (netcore, the reference CNI plugins, one process per step). */
export type InstanceMethod = {
  name: string;
  /** One line for the report: what exactly is timed. */
  description: string;
  node: LabNode;
  gatewayAddr: string;
  trace: CommandTrace;
  /** Leftovers are counted against the node before prepareNode when the method has no node teardown of its own. */
  isBaselinePristine: boolean;
  ipamDirectory?: string;
  /** Node-level setup, not timed (netcore's setupNode; the naive bridge and chain; a CNI warm-up instance). */
  prepareNode: () => Promise<void>;
  setupInstance: (instance: BenchInstance) => Promise<ReachableInstance>;
  cleanInstance: (instance: BenchInstance) => Promise<void>;
  /** Node-level teardown, not timed; for CNI (which has none) it removes by hand what the plugins left. */
  cleanNode: () => Promise<void>;
};

/** Host ports 20000+ (never below 1024), all to port 8080 inside the instance. */
export const planInstances = ({ count, first = 0 }: { count: number; first?: number }): BenchInstance[] =>
  Array.from({ length: count }, (_, offset) => {
    const index = first + offset;
    return { index, id: `bench-${index}`, hostPort: 20_000 + index, instancePort: 8080 };
  });

/** The address of instance `index` in a /24 whose .1 is the node: .2, .3, ... */
export const instanceAddr = ({ subnetPrefix, index }: { subnetPrefix: string; index: number }) => {
  if (index > 250) throw new RangeError(`instance index ${index} does not fit in ${subnetPrefix}.0/24`);
  return `${subnetPrefix}.${index + 2}`;
};
