import { existsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NetcoreError } from '../errors.js';
import { type Command, formatCommand, namespacePath } from './command.js';
import type { Host } from './host.js';
import { makeScratchDirectory } from './scratch-directory.js';

/**
 * How many namespaces one call configures at once. Most of each one's cost is starting `ip` inside it,
 * which spreads over the cores; beyond a few at a time they only queue for the kernel's locks.
 */
const defaultParallelism = 4;

/** Where Debian has Perl (`perl-base`); without it, `xargs` + `nsenter` run the batches. */
const perlPath = '/usr/bin/perl';

/** The number of the `setns` system call where netcore knows it (Linux's tables per architecture). */
const setnsSyscalls: Partial<Record<NodeJS.Architecture, number>> = { x64: 308, arm64: 268 };

/**
 * A Perl script (Perl is on every Debian system: `perl-base` is Essential) that reads NUL-separated pairs
 * `NAMESPACE_FILE BATCH_FILE` (from the file named after its two arguments, or its standard input) and,
 * a few at a time (its second argument), forks, enters the namespace with `setns` (the system call's
 * number is its first argument) and execs `ip -force -batch BATCH_FILE` there. It exits non-zero when any
 * of them failed, after a line naming each batch that failed (a starter drops an output's last line
 * `Command failed FILE:LINE`, which `ip` prints). A fork that fails starts nothing more and still waits
 * for the batches running, so none of them outlives the call (which then removes their files). It does
 * what `xargs` with `nsenter --net` does, without an `nsenter` exec per namespace: in a burst of new
 * instances each namespace's process start is most of its cost, and that exec was a fifth of it (measured
 * side by side: 2.5-3.0 against 3.2-4.0 ms of CPU per namespace).
 */
const enterEachScript = [
  'use strict;',
  'my ($setns, $limit) = splice(@ARGV, 0, 2);',
  'local $/ = "\\0";',
  'my @words = map { chomp; $_ } <>;',
  'my ($running, $failed, %batches) = (0, 0);',
  'my $reap = sub {',
  '  my $pid = wait;',
  '  $running--;',
  '  return unless $?;',
  '  $failed = 1;',
  '  print STDERR "$batches{$pid}: failed\\n";',
  '};',
  'while (@words) {',
  '  my ($namespace, $batch) = splice(@words, 0, 2);',
  '  $reap->() if $running >= $limit;',
  '  my $pid = fork;',
  '  unless (defined $pid) {',
  '    print STDERR "fork: $!\\n";',
  '    $failed = 1;',
  '    last;',
  '  }',
  '  if ($pid == 0) {',
  '    open(my $file, "<", $namespace) or die "$namespace: $!\\n";',
  '    syscall($setns, fileno($file), 0x40000000) == 0 or die "setns $namespace: $!\\n";',
  '    exec("ip", "-force", "-batch", $batch) or die "ip: $!\\n";',
  '  }',
  '  $batches{$pid} = $batch;',
  '  $running++;',
  '}',
  '$reap->() while $running > 0;',
  'exit $failed;',
].join('\n');

/** The `setns` number to give the Perl script; none where Perl is missing or the number is not known. */
const findPerlSetns = () => (existsSync(perlPath) ? setnsSyscalls[process.arch] : undefined);

/**
 * The Perl script's file in a call's scratch directory: a starter runs plain words only, which `-e SCRIPT`
 * is not.
 */
const scriptFileIn = (directory: string) => join(directory, 'enter-each.pl');

/**
 * The one process that runs every batch in its namespace: the Perl script above with `setns` given (its
 * file written by the caller), else `xargs` starting `nsenter --net=/run/netns/NS -- ip -force -batch
 * FILE` for each (no shell either way: the arguments are passed as they are).
 */
const toEnterEachCommand = ({
  batches,
  directory,
  parallelism,
  setns,
}: {
  batches: readonly { index: number; namespace: string }[];
  directory: string;
  parallelism: number;
  setns: number | undefined;
}): Command => {
  const fileOf = (index: number) => join(directory, String(index));
  if (setns !== undefined)
    return {
      kind: 'reads-input-file',
      namespace: undefined,
      file: perlPath,
      args: [scriptFileIn(directory), String(setns), String(parallelism)],
      input: `${batches.flatMap(({ index, namespace }) => [namespacePath(namespace), fileOf(index)]).join('\0')}\0`,
    };
  const words = batches.flatMap(({ index, namespace }) => [
    `--net=${namespacePath(namespace)}`,
    '--',
    'ip',
    '-force',
    '-batch',
    fileOf(index),
  ]);
  return {
    namespace: undefined,
    file: 'xargs',
    args: ['-0', '-P', String(parallelism), '-n', '6', 'nsenter'],
    input: `${words.join('\0')}\0`,
  };
};

/**
 * Runs one `ip` batch in each of many namespaces, with a single process spawned from Node (see
 * `toEnterEachCommand`). Namespaces are entered with `setns` on their file, as `nsenter --net` does,
 * where `ip -n` also copies the mount table, which grows with every named namespace. A failure names the
 * first batch that failed by its `index`, as `instances.INDEX`.
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
    const setns = findPerlSetns();
    // A script file, so that a long-lived starter can run it: no spawn from Node.
    if (setns !== undefined) writeFileSync(scriptFileIn(directory), enterEachScript);
    const command = toEnterEachCommand({ batches, parallelism, directory, setns });
    await host.runner.run(command).catch((error: unknown) => {
      if (!(error instanceof NetcoreError)) throw error;
      const failed = new RegExp(`${directory}/(\\d+):`).exec(error.reason)?.[1];
      throw new NetcoreError({
        code: error.code,
        ...(failed === undefined ? {} : { field: `instances.${failed}` }),
        reason: error.reason
          .replace(formatCommand(command), `${command.file}: ip -force -batch in each namespace`)
          .replaceAll(`${directory}/`, 'instance #'),
        command: error.command,
        cause: error,
      });
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
};
