import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NetcoreError } from '../errors.js';
import { namespacePath } from './command.js';
import type { Host } from './host.js';
import { makeScratchDirectory } from './scratch-directory.js';

/**
 * How many namespaces one call configures at once. Most of each one's cost is starting `ip` inside it,
 * which spreads over the cores; beyond a few at a time they only queue for the kernel's locks.
 */
const defaultParallelism = 4;

/**
 * Runs one `ip` batch in each of many namespaces, with a single process spawned from Node: `xargs`
 * starts `nsenter --net=/run/netns/NS -- ip -force -batch FILE` for each, a few at a time (no shell: the
 * arguments are passed as they are). `nsenter --net` only switches the network namespace, where `ip -n`
 * also copies the mount table, which grows with every named namespace. A failure names the first batch
 * that failed by its `index`, as `instances.INDEX`.
 */
export const runBatchesInNamespaces = async ({
  host,
  batches,
  parallelism = defaultParallelism,
}: {
  host: Host;
  batches: readonly { index: number; namespace: string; lines: readonly (readonly string[])[] }[];
  parallelism?: number;
}) => {
  if (batches.length === 0) return;
  const directory = makeScratchDirectory({ purpose: 'batches' });
  try {
    for (const { index, lines } of batches)
      writeFileSync(join(directory, String(index)), `${lines.map((line) => line.join(' ')).join('\n')}\n`);
    const input = batches
      .flatMap(({ index, namespace }) => [
        `--net=${namespacePath(namespace)}`,
        '--',
        'ip',
        '-force',
        '-batch',
        join(directory, String(index)),
      ])
      .join('\0');
    await host.runner
      .run({
        file: 'xargs',
        args: ['-0', '-P', String(parallelism), '-n', '6', 'nsenter'],
        input: `${input}\0`,
      })
      .catch((error: unknown) => {
        if (!(error instanceof NetcoreError)) throw error;
        const failed = new RegExp(`${directory}/(\\d+):`).exec(error.reason)?.[1];
        throw new NetcoreError({
          code: error.code,
          ...(failed === undefined ? {} : { field: `instances.${failed}` }),
          reason: error.reason.replaceAll(`${directory}/`, 'instance #'),
          command: error.command,
          cause: error,
        });
      });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
};
