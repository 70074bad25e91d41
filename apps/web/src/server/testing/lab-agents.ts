import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Agent, startAgent } from '@kudo/agent';
import type { Lab } from '@kudo/netcore/lab';
import { pino } from 'pino';

export type LabAgent = {
  name: string;
  namespace: string;
  externalIpAddr: string;
  url: string;
  token: string;
  /** Rewrite it (see `reboot`) to make the agent report a new boot id, as after a reboot. */
  bootIdFile: string;
  agent: Agent;
};

/**
 * One real agent per lab node (or per node of `nodeNames`), in this process, each acting in its node's
 * namespace and listening on a free loopback port with its own token and boot id file. `stopAll()` closes
 * them and removes the files.
 */
export const startLabAgents = async ({ lab, nodeNames }: { lab: Lab; nodeNames?: readonly string[] }) => {
  const directory = await mkdtemp(join(tmpdir(), 'kudo-web-agents-'));
  const agents: LabAgent[] = [];
  const stopAll = async () => {
    await Promise.all(agents.map(({ agent }) => agent.close().catch(() => undefined)));
    await rm(directory, { recursive: true, force: true });
  };
  try {
    for (const node of lab.nodes.filter(({ name }) => !nodeNames || nodeNames.includes(name))) {
      const token = randomBytes(24).toString('hex');
      const bootIdFile = join(directory, `${node.name}.boot_id`);
      await writeFile(bootIdFile, 'boot-1\n');
      const agent = await startAgent({
        nodeId: node.name,
        hostNamespace: node.namespace,
        port: 0,
        token,
        bootIdFile,
        logger: pino({ level: 'silent' }),
      });
      agents.push({ ...node, url: agent.url, token, bootIdFile, agent });
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    agents,
    get: (name: string) => {
      const found = agents.find((agent) => agent.name === name);
      if (!found) throw new Error(`no lab agent for ${name}`);
      return found;
    },
    reboot: ({ name, bootId }: { name: string; bootId: string }) =>
      writeFile(agents.find((agent) => agent.name === name)?.bootIdFile ?? '', `${bootId}\n`),
    stopAll,
  };
};
