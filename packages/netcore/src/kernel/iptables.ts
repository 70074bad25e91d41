import { type Host, namespacedCommand } from './host.js';
import { isEmptyScript, type RestoreScript, renderRestoreScript } from './restore-script.js';
import { parseIptablesSave, type SavedTables } from './saved-rules.js';

/** How long iptables waits for the xtables lock held by another writer. */
const lockWaitSeconds = '10';

/** Reads the filter and nat tables of the host namespace, as the kernel has them. */
export const readIptables = async ({ host }: { host: Host }): Promise<SavedTables> => {
  const { stdout } = await host.runner.run(
    namespacedCommand({ namespace: host.namespace, file: 'iptables-save', args: [] }),
  );
  return parseIptablesSave(stdout);
};

/** Applies a script in one iptables-restore --noflush transaction; nothing is run for an empty script. */
export const applyRestoreScript = async ({ host, script }: { host: Host; script: RestoreScript }) => {
  if (isEmptyScript(script)) return;
  await host.runner.run(
    namespacedCommand({
      namespace: host.namespace,
      file: 'iptables-restore',
      args: ['--noflush', '--wait', lockWaitSeconds],
      input: renderRestoreScript(script),
    }),
  );
};
