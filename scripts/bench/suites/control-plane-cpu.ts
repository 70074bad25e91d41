import { readdir, readFile } from 'node:fs/promises';

/** Linux counts a process's CPU time in clock ticks of 1/100 s (USER_HZ, the same on every architecture). */
const msPerTick = 10;

/** `/proc/PID/stat` after the command name (which may hold spaces): [state, ppid, ..., utime, stime, ...]. */
const readStatFields = async (pid: number) => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
};

/** The CPU time (user + system) a process has used so far, in ms; 0 once it has ended. */
const readProcessCpuMs = async (pid: number) => {
  const fields = await readStatFields(pid);
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * msPerTick || 0;
};

/** Every process below `pid` (children, their children, ...). */
const findDescendants = async (pid: number) => {
  const parentOf = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    parentOf.set(Number(entry), Number((await readStatFields(Number(entry)))[1]));
  }
  const found = new Set<number>([pid]);
  for (let isGrowing = true; isGrowing; ) {
    isGrowing = false;
    for (const [child, parent] of parentOf)
      if (found.has(parent) && !found.has(child)) {
        found.add(child);
        isGrowing = true;
      }
  }
  found.delete(pid);
  return [...found];
};

/**
 * The control plane's web server: the `next start` process below the control plane's host process (it
 * names itself `next-server`), whose single event loop serves every API call.
 */
export const findWebServerProcesses = async ({ hostPid }: { hostPid: number }) => {
  const pids: number[] = [];
  for (const pid of await findDescendants(hostPid)) {
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (command.startsWith('next-server')) pids.push(pid);
  }
  return pids;
};

/** CPU time spent per call, in ms: the control plane's web server and the agents' own Node processes. */
export type CpuPerCall = { web: number; agents: number };

/**
 * Runs `work` (which makes `calls` API calls) and says how much CPU time the web server's and the agents'
 * processes used for it, per call. On a shared machine this moves far less with the load than latency does
 * (the commands the agents start, `ip` and `iptables-restore`, are not counted).
 */
export const measureCpuPerCall = async <T>({
  webPids,
  agentPids,
  calls,
  work,
}: {
  webPids: readonly number[];
  agentPids: readonly number[];
  calls: number;
  work: () => Promise<T>;
}): Promise<{ value: T; cpu: CpuPerCall }> => {
  const sum = async (pids: readonly number[]) =>
    (await Promise.all(pids.map(readProcessCpuMs))).reduce((total, ms) => total + ms, 0);
  const before = { web: await sum(webPids), agents: await sum(agentPids) };
  const value = await work();
  const perCall = async ({ pids, start }: { pids: readonly number[]; start: number }) =>
    pids.length > 0 && calls > 0 ? ((await sum(pids)) - start) / calls : Number.NaN;
  return {
    value,
    cpu: {
      web: await perCall({ pids: webPids, start: before.web }),
      agents: await perCall({ pids: agentPids, start: before.agents }),
    },
  };
};
