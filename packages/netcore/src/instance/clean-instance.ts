import { NetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import { applyRestoreScript, readIptables } from '../kernel/iptables.js';
import { readLinks, runIpBatch } from '../kernel/links.js';
import { flushUdpFlows } from '../port-mappings/conntrack.js';
import { renderPortMappingsScript } from '../port-mappings/port-mapping-rules.js';
import { ZCleanInstanceRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { deleteNamespace, getInstanceNames, hasNamespace } from './instance-namespace.js';

/**
 * Removes everything setupInstance made: port mappings (found by their tag, so `ports` need not be
 * given), the veth pair and the namespace. Parts already gone are fine; every step is tried and all
 * failures are reported together.
 */
export const cleanInstance = async ({ host, request }: { host: Host; request: unknown }) => {
  const { instanceId } = parseInput({ schema: ZCleanInstanceRequest, input: request });
  const { namespaceName, vethName } = getInstanceNames({ host, instanceId });
  const failures: unknown[] = [];
  const attempt = async (step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  };
  await attempt(async () => {
    const saved = await readIptables({ host });
    const { script, removed } = renderPortMappingsScript({ saved, instanceId, instanceAddr: '', ports: [] });
    await applyRestoreScript({ host, script });
    await flushUdpFlows({ host, mappings: removed });
  });
  await attempt(async () => {
    const links = await readLinks({ host });
    if (links.some((link) => link.name === vethName))
      await runIpBatch({ host, lines: [['link', 'del', vethName]] });
  });
  await attempt(async () => {
    if (hasNamespace(namespaceName)) await deleteNamespace({ host, namespaceName });
  });
  if (failures.length === 0) return;
  const reasons = failures.map((error) => (error instanceof Error ? error.message : String(error)));
  const [first] = failures;
  throw new NetcoreError({
    code: first instanceof NetcoreError ? first.code : 'COMMAND_FAILED',
    field: 'instanceId',
    reason: `cleaning instance '${instanceId}' left work undone: ${reasons.join('; ')}`,
    cause: first,
  });
};
