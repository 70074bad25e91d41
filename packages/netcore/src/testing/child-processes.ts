import { readdirSync, readFileSync } from 'node:fs';

/** This process's children, by pid, with their command lines (for tests of the helpers netcore keeps). */
export const listChildProcesses = () =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const parent = /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        if (Number(parent) !== process.pid) return [];
        return [{ pid, command: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ') }];
      } catch {
        return [];
      }
    });
