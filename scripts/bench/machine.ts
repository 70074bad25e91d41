import { execFile } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

const firstLine = async (file: string, args: string[]) => {
  try {
    const { stdout, stderr } = await run(file, args);
    return (stdout || stderr).trim().split('\n')[0] ?? '';
  } catch {
    return 'unknown';
  }
};

/** The 1-minute load average: on a shared machine, other work running at the same time skews every number. */
export const readLoad = () => loadavg()[0]?.toFixed(2) ?? 'unknown';

/** The machine and tool versions a set of numbers was measured with. */
export const describeMachine = async () => ({
  date: new Date().toISOString(),
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: (totalmem() / 1024 ** 3).toFixed(1),
  kernel: release(),
  iproute2: await firstLine('ip', ['-V']),
  iptables: await firstLine('iptables', ['--version']),
  cniPlugins: (await firstLine('dpkg-query', ['-W', 'containernetworking-plugins'])).split('\t').at(-1) ?? '',
  node: process.version,
  commit: await firstLine('git', ['rev-parse', '--short', 'HEAD']),
  /** The code measured is the working tree's: uncommitted changes to netcore or the agent are worth knowing. */
  uncommitted:
    (await firstLine('git', ['status', '--porcelain', '--', 'packages/netcore', 'apps/agent'])) || 'none',
  loadAtStart: readLoad(),
});

export type Machine = Awaited<ReturnType<typeof describeMachine>>;
