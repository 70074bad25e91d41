import type { Host } from './host.js';

/** Reads sysctl values of the host namespace (`sysctl -n`), in the order asked. */
export const readSysctls = async ({ host, keys }: { host: Host; keys: readonly string[] }) => {
  const { stdout } = await host.runner.run({
    namespace: host.namespace,
    file: 'sysctl',
    args: ['-n', ...keys],
  });
  const values = stdout.trim().split('\n');
  return Object.fromEntries(keys.map((key, index) => [key, values[index]?.trim() ?? '']));
};

/** Writes sysctl values in the host namespace only. */
export const writeSysctls = async ({ host, values }: { host: Host; values: Record<string, string> }) => {
  const args = Object.entries(values).map(([key, value]) => `${key}=${value}`);
  if (args.length === 0) return;
  await host.runner.run({ namespace: host.namespace, file: 'sysctl', args: ['-q', '-w', ...args] });
};
