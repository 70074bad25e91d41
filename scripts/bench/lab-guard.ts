import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { destroyLab } from '@kudo/netcore/lab';

const listLabNamespaces = (prefix: string) => {
  try {
    return readdirSync('/run/netns').filter((name) => name.startsWith(`${prefix}-`));
  } catch {
    return [];
  }
};

/**
 * Makes sure the lab of this run (every namespace named `${prefix}-...`) and its IPAM folder are removed
 * however the process ends: at the end of the run, on the first SIGINT/SIGTERM (later ones are ignored
 * while removing: tsx relays Ctrl-C to the script a second time), and, as a last resort, synchronously in
 * the `exit` handler (a crash, a promise that could never settle, or work that went on during a removal).
 */
export const guardLab = ({ prefix, ipamDirectory }: { prefix: string; ipamDirectory: string }) => {
  let isRemoved = false;
  let removal: Promise<void> | undefined;
  const remove = () => {
    removal ??= (async () => {
      await destroyLab({ prefix });
      await rm(ipamDirectory, { recursive: true, force: true });
      isRemoved = true;
    })();
    return removal;
  };
  process.on('exit', () => {
    // Also after a removal: work still running when a signal came may have added a namespace since.
    const remaining = listLabNamespaces(prefix);
    for (const namespace of remaining) spawnSync('ip', ['netns', 'del', namespace]);
    rmSync(ipamDirectory, { recursive: true, force: true });
    if (isRemoved && remaining.length === 0) return;
    console.error(`[bench] stopped before the end; lab ${prefix} removed`);
    process.exitCode = process.exitCode || 1;
  });
  let isStopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      if (isStopping) return;
      isStopping = true;
      console.error(`\n[bench] ${signal}: removing lab ${prefix}...`);
      void remove()
        .catch((error: unknown) => console.error('[bench] removing the lab failed:', error))
        .finally(() => process.exit(130));
    });
  return { remove, listRemaining: () => listLabNamespaces(prefix), isStopping: () => isStopping };
};
