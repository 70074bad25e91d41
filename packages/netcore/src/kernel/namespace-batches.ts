import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetcoreError } from '../errors.js';
import type { Host } from './host.js';

/**
 * How many namespaces are configured at once. Most of each one's cost is starting `ip` inside it, which
 * spreads over the cores; beyond a few at a time they only queue for the kernel's locks.
 */
const parallelism = 4;

/**
 * Runs one `ip` batch in each of many namespaces, with a single process spawned from Node: `xargs`
 * starts `ip -n NS -force -batch FILE` for each, a few at a time (no shell: the arguments are passed as
 * they are). A failure names the first batch that failed, as `instances.INDEX`.
 */
export const runBatchesInNamespaces = async ({
  host,
  batches,
}: {
  host: Host;
  batches: readonly { namespace: string; lines: readonly (readonly string[])[] }[];
}) => {
  if (batches.length === 0) return;
  const directory = await mkdtemp(join(tmpdir(), 'kudo-batches-'));
  try {
    // Small files: written at once, without a round through the thread pool for each.
    batches.forEach(({ lines }, index) => {
      writeFileSync(join(directory, String(index)), `${lines.map((line) => line.join(' ')).join('\n')}\n`);
    });
    const input = batches
      .flatMap(({ namespace }, index) => [
        '-n',
        namespace,
        '-force',
        '-batch',
        join(directory, String(index)),
      ])
      .join('\0');
    await host.runner
      .run({
        file: 'xargs',
        args: ['-0', '-P', String(parallelism), '-n', '5', 'ip'],
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
