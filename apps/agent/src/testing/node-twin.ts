import type { DriftItem, TDesiredNode } from '@kudo/netcore';
import type { KernelSnapshot } from '@kudo/netcore/testing';
import type { AgentClient } from '../client.js';

/**
 * A node seen from outside: its kernel with what differs between two nodes given the same desired state
 * (their namespace's name, uplink address and agent port) written the same way, and lists sorted.
 */
export const normalizeNodeSnapshot = ({
  snapshot,
  namespace,
  uplink,
  agentPort,
}: {
  snapshot: KernelSnapshot;
  namespace: string;
  uplink: string;
  agentPort: number;
}) => {
  const text = JSON.stringify(snapshot)
    .replaceAll(namespace, 'NODE')
    .replaceAll(uplink, 'UPLINK')
    .replaceAll(`--dports ${agentPort}`, '--dports AGENT')
    .replaceAll(`protect=${agentPort}`, 'protect=AGENT');
  const parsed = JSON.parse(text) as KernelSnapshot;
  return {
    ...parsed,
    links: [...parsed.links].sort((a, b) => a.name.localeCompare(b.name)),
    routes: parsed.routes.map((route) => JSON.stringify(route)).sort(),
    rules: [...parsed.rules].sort(),
    namespaces: [...parsed.namespaces].sort(),
  };
};

/**
 * Runs the fix of every drift item the agent's `diff` reports, a few rounds (a re-created bridge can
 * reveal more), until none is left: what the control plane's reconcile does. Returns the items fixed.
 */
export const reconcileThroughAgent = async ({
  client,
  desired,
}: {
  client: AgentClient;
  desired: TDesiredNode;
}) => {
  const fixed: DriftItem[] = [];
  for (let round = 0; round < 3; round += 1) {
    const { drift } = await client.diff.query({ desired });
    if (drift.length === 0) break;
    for (const item of drift) {
      const call = client[item.fix.operation] as unknown as {
        mutate: (input: unknown) => Promise<unknown>;
      };
      await call.mutate(item.fix.input);
      fixed.push(item);
    }
  }
  return fixed;
};
