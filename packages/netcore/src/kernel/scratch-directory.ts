import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Memory-backed when the machine has /dev/shm (10x faster for the many small files netcore writes). */
const chooseBase = () => {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
};

/** A new private directory (mode 0700) for netcore's input files; the caller removes it. */
export const makeScratchDirectory = ({ purpose }: { purpose: string }) =>
  mkdtempSync(join(chooseBase(), `kudo-${purpose}-`));
