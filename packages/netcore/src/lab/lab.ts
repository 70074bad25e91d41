import { randomBytes } from 'node:crypto';
import type { CommandRunner } from '../kernel/command.js';
import type { Host } from '../kernel/host.js';
import { readLinks, runIpBatch } from '../kernel/links.js';
import { addNamespace, deleteNamespace, listNamespaces } from '../kernel/namespaces.js';
import { createExecaRunner } from '../kernel/runner.js';
import { createNetcore } from '../netcore.js';
import {
  isLabNamespace,
  type LabPlan,
  labPrefixBase,
  listLabHosts,
  planLab,
  renderLabHostLines,
  renderUnderlayLines,
} from './lab-plan.js';

/** The machine's own namespace, where lab namespaces are named and removed. */
const toMachineHost = ({ prefix, runner }: { prefix: string; runner: CommandRunner }): Host => ({
  namespace: undefined,
  namespacePrefix: prefix,
  runner,
});

export const createLabPrefix = ({
  name = randomBytes(3).toString('hex'),
  base = labPrefixBase,
}: {
  name?: string;
  base?: string;
} = {}) => `${base}-${name}`;

/**
 * Removes every namespace of a lab (instances' included: they carry the lab prefix). Idempotent. A runner
 * made here is closed at the end; a given one stays the caller's.
 */
export const destroyLab = async ({ prefix, runner: given }: { prefix: string; runner?: CommandRunner }) => {
  const runner = given ?? createExecaRunner();
  const namespaces = (await listNamespaces()).filter((namespace) => isLabNamespace({ prefix, namespace }));
  // Instances first, the underlay last, so no veth is left waiting on a bridge.
  const ordered = [...namespaces].sort(
    (a, b) => Number(a.includes('-i-') ? 0 : 1) - Number(b.includes('-i-') ? 0 : 1),
  );
  const host = toMachineHost({ prefix, runner });
  const failures: string[] = [];
  try {
    for (const namespace of ordered) {
      try {
        await deleteNamespace({ host, namespaceName: namespace });
      } catch (error) {
        failures.push(`${namespace}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    if (!given) runner.close?.();
  }
  if (failures.length > 0) throw new Error(`lab ${prefix} was not fully removed: ${failures.join('; ')}`);
  return namespaces;
};

/**
 * Builds a lab: underlay, N node namespaces, an outside client, and with `hasControlPlane` a machine for
 * the control plane. A failure removes what was made.
 */
export const createLab = async ({
  prefix = createLabPrefix(),
  nodeCount,
  hasControlPlane = false,
  runner = createExecaRunner(),
}: {
  prefix?: string;
  nodeCount: number;
  hasControlPlane?: boolean;
  runner?: CommandRunner;
}) => {
  const plan = planLab({ prefix, nodeCount, hasControlPlane });
  const hosts = listLabHosts(plan);
  try {
    const machine = toMachineHost({ prefix, runner });
    for (const namespace of [plan.underlay.namespace, ...hosts.map((host) => host.namespace)])
      await addNamespace({ host: machine, namespaceName: namespace });
    const host = { namespace: plan.underlay.namespace, namespacePrefix: prefix, runner };
    await runIpBatch({ host, lines: renderUnderlayLines(plan) });
    await Promise.all(
      hosts.map(({ namespace, ipAddr }) =>
        runIpBatch({ host, namespace, lines: renderLabHostLines({ ipAddr }) }),
      ),
    );
  } catch (error) {
    await destroyLab({ prefix, runner });
    throw error;
  }
  return toLab({ plan, runner });
};

export type Lab = ReturnType<typeof toLab>;

const toLab = ({ plan, runner }: { plan: LabPlan; runner: CommandRunner }) => ({
  ...plan,
  /** The netcore API acting inside a lab node. */
  netcoreFor: (nodeName: string) => {
    const node = plan.nodes.find((candidate) => candidate.name === nodeName);
    if (!node) throw new Error(`lab ${plan.prefix} has no node ${nodeName}`);
    return createNetcore({ hostNamespace: node.namespace, runner });
  },
  /** Ends the runner's long-lived processes first (a process in a namespace keeps it alive), and last. */
  destroy: async () => {
    runner.close?.();
    try {
      return await destroyLab({ prefix: plan.prefix, runner });
    } finally {
      runner.close?.();
    }
  },
});

/** The labs present on this machine, by prefix. */
export const listLabs = async ({ base = labPrefixBase }: { base?: string } = {}) => {
  const namespaces = await listNamespaces();
  return namespaces
    .filter((namespace) => namespace.startsWith(`${base}-`) && namespace.endsWith('-underlay'))
    .map((namespace) => namespace.slice(0, -'-underlay'.length));
};

/** What a lab holds: each namespace with its links and addresses, read from the kernel. */
export const describeLab = async ({
  prefix,
  runner = createExecaRunner(),
}: {
  prefix: string;
  runner?: CommandRunner;
}) => {
  const namespaces = (await listNamespaces()).filter((namespace) => isLabNamespace({ prefix, namespace }));
  const host = toMachineHost({ prefix, runner });
  return Promise.all(
    namespaces.map(async (namespace) => ({
      namespace,
      links: (await readLinks({ host, namespace })).filter((link) => link.name !== 'lo'),
    })),
  );
};
