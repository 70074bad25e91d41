import { isNetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import type { PortMapping } from './port-mapping-rules.js';

/**
 * Forgets the UDP flows of mappings that were added or removed. UDP has no connection end, so a flow
 * tracked before a change keeps its old destination (a black hole) until it times out. TCP flows end by
 * themselves and new connections take the new rules, so they are left alone.
 */
export const flushUdpFlows = async ({ host, mappings }: { host: Host; mappings: readonly PortMapping[] }) => {
  const ports = [
    ...new Set(mappings.filter((mapping) => mapping.protocol === 'udp').map((mapping) => mapping.hostPort)),
  ];
  for (const port of ports) {
    try {
      await host.runner.run({
        namespace: host.namespace,
        file: 'conntrack',
        args: ['-D', '-p', 'udp', '--orig-port-dst', String(port)],
      });
    } catch (error) {
      // conntrack exits 1 when no flow matched: nothing to forget.
      if (!(isNetcoreError(error) && /0 flow entries/.test(error.reason))) throw error;
    }
  }
};
