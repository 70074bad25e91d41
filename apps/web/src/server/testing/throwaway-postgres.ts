import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL cluster of its own for a test run (the verified recipe in ../shared/recipes): Debian's
 * postgresql-15 as the postgres user, trust authentication, listening only on a unix socket in its temp
 * directory (no TCP port), never the machine's own cluster. `stop()` stops it and removes the directory.
 * A missing postgresql-15 is an error, never a skip: the PostgreSQL runs of the tests must not vanish.
 */
export const startThrowawayPostgres = async () => {
  if (!existsSync(join(bin, 'initdb')))
    throw new Error(`${bin}/initdb is missing: install postgresql-15 (scripts/setup/system-packages.json)`);
  const directory = mkdtempSync(join(tmpdir(), 'kudo-pg-'));
  // Only the socket's name (no TCP): distinct per cluster, so two test projects' clusters never meet.
  const port = 20_000 + randomInt(40_000);
  const asPostgres = (command: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args], { timeout: 60_000 });
  const stop = async () => {
    try {
      if (existsSync(join(directory, 'data', 'postmaster.pid')))
        await asPostgres('pg_ctl', ['-D', join(directory, 'data'), '-m', 'fast', '-w', 'stop']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
  try {
    const { stdout } = await run('id', ['-u', 'postgres']);
    chownSync(directory, Number(stdout.trim()), -1);
    await asPostgres('initdb', ['-D', join(directory, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await asPostgres('pg_ctl', [
      '-D',
      join(directory, 'data'),
      '-l',
      join(directory, 'log'),
      '-w',
      'start',
      '-o',
      `-p ${port} -k ${directory} -c listen_addresses=''`,
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  /** The URL of a database `name` in this cluster. */
  const toUrl = ({ name }: { name: string }) =>
    `postgresql://postgres@localhost/${name}?host=${encodeURIComponent(directory)}&port=${port}`;
  return { directory, toUrl, stop };
};
