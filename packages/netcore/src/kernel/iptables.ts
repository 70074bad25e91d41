import { type Host, namespacedCommand } from './host.js';
import { getHostCache } from './host-cache.js';
import { isEmptyScript, type RestoreScript, renderRestoreScript } from './restore-script.js';
import { parseIptablesSave, type SavedTables } from './saved-rules.js';
import { applyScriptToTables } from './table-model.js';

/** How long iptables waits for the xtables lock held by another writer. */
const lockWaitSeconds = '10';

/** Reads the filter and nat tables of the host namespace, as the kernel has them. */
export const readIptables = async ({ host }: { host: Host }): Promise<SavedTables> => {
  const cache = getHostCache(host);
  const generation = cache.generation;
  const { stdout } = await host.runner.run(
    namespacedCommand({ namespace: host.namespace, file: 'iptables-save', args: [] }),
  );
  const tables = parseIptablesSave(stdout);
  if (cache.generation === generation) cache.tables = tables;
  return tables;
};

/** The model of the tables kept since the last read (see host-cache.ts), or a fresh read. */
export const readIptablesCached = async ({ host }: { host: Host }): Promise<SavedTables> =>
  getHostCache(host).tables ?? readIptables({ host });

/** Applies a script in one iptables-restore --noflush transaction; nothing is run for an empty script. */
export const applyRestoreScript = async ({ host, script }: { host: Host; script: RestoreScript }) => {
  if (isEmptyScript(script)) return;
  const cache = getHostCache(host);
  const before = cache.tables;
  cache.tables = undefined;
  cache.generation += 1;
  await host.runner.run(
    namespacedCommand({
      namespace: host.namespace,
      file: 'iptables-restore',
      args: ['--noflush', '--wait', lockWaitSeconds],
      input: renderRestoreScript(script),
    }),
  );
  cache.generation += 1;
  if (before) cache.tables = applyScriptToTables({ tables: before, script });
};
