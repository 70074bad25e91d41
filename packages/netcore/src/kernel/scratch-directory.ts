import { accessSync, constants, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratchPattern = /^kudo-(exec|batches|pool)-/;

/** Memory-backed when the machine has /dev/shm (10x faster for the many small files netcore writes). */
const chooseBase = () => {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
};

/**
 * Removes scratch directories that a process killed in the middle of a command left behind: ours by
 * name, and older than any command runs (commands time out after 30 s).
 */
export const sweepStaleScratchDirectories = ({
  base,
  olderThanMs = 10 * 60_000,
  now = Date.now(),
}: {
  base: string;
  olderThanMs?: number;
  now?: number;
}) => {
  const removed: string[] = [];
  for (const name of readdirSync(base)) {
    if (!scratchPattern.test(name)) continue;
    const path = join(base, name);
    try {
      if (now - statSync(path).mtimeMs < olderThanMs) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // gone already, or not ours to read
    }
  }
  return removed;
};

let hasSwept = false;

/** A new private directory (mode 0700) for netcore's input files; the caller removes it. */
export const makeScratchDirectory = ({ purpose }: { purpose: 'exec' | 'batches' | 'pool' }) => {
  const base = chooseBase();
  if (!hasSwept) {
    hasSwept = true;
    sweepStaleScratchDirectories({ base });
  }
  return mkdtempSync(join(base, `kudo-${purpose}-`));
};
