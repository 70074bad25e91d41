import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensurePrismaClient,
  runBuildCommand,
  webBuildInputs,
} from '../../../../../scripts/lab-cluster/web-build.js';

/** The packaged control plane that `npm run build` leaves in apps/web (package-control-plane.mjs). */
export const getPackageDir = ({ root }: { root: string }) =>
  join(root, 'apps', 'web', 'dist', 'kudo-control-plane');

/**
 * The newest modification time under `path` (0 if missing); tests, test helpers, dependencies, builds and
 * the directories named in `skip` aside.
 */
const findNewestSource = (path: string, skip: string[] = []): number => {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith('.test.ts') ? 0 : stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (['node_modules', '.next', 'dist', 'testing', ...skip].includes(entry)) continue;
    newest = Math.max(newest, findNewestSource(join(path, entry), skip));
  }
  return newest;
};

/** What the package is made of: the dashboard's sources, the packages it compiles, the migrations. */
const packageInputs = ({ root }: { root: string }) => [
  ...webBuildInputs({ root }),
  join(root, 'apps', 'web', 'package-control-plane.mjs'),
  join(root, 'prisma'),
];

/** Whether `file` is newer than the package's sources (but the directories in `skip`). */
const isNewerThanSources = ({ root, file, skip }: { root: string; file: string; skip?: string[] }) =>
  existsSync(file) &&
  packageInputs({ root }).every((input) => findNewestSource(input, skip) <= statSync(file).mtimeMs);

/** `next build` refuses to run beside another one (the lab's, another test's) on the same `.next`. */
const isBuildBusy = (error: unknown) =>
  error instanceof Error && error.message.includes('Another next build process is already running');

/**
 * Makes the package unless it is newer than its sources, as the web's `build` does: `next build` (minutes)
 * only when `.next` is out of date too (after waiting for a build already running there, which may well
 * have made it current), then package-control-plane.mjs (seconds).
 */
export const ensureControlPlanePackage = async ({
  root,
  log,
}: {
  root: string;
  log: (line: string) => void;
}) => {
  const packageDir = getPackageDir({ root });
  if (isNewerThanSources({ root, file: join(packageDir, 'kudo-control-plane.mjs') })) return packageDir;
  const webDir = join(root, 'apps', 'web');
  await ensurePrismaClient({ root, log });
  const standaloneServer = join(webDir, '.next', 'standalone', 'apps', 'web', 'server.js');
  // The launcher is not part of Next's build: a change there only needs the packaging step.
  while (!isNewerThanSources({ root, file: standaloneServer, skip: ['launcher'] })) {
    log('building the dashboard (next build)');
    try {
      await runBuildCommand({
        command: process.execPath,
        args: [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build', '--webpack'],
        cwd: webDir,
        log,
      });
    } catch (error) {
      if (!isBuildBusy(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
  }
  await runBuildCommand({
    command: process.execPath,
    args: [join(webDir, 'package-control-plane.mjs')],
    cwd: webDir,
    log,
  });
  return packageDir;
};

export type LauncherRun = {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr, the Next server's included). */
  readOutput: () => string;
  /** Its exit code (or signal name) once it has ended. */
  exited: Promise<number | string>;
};

/**
 * Runs `node kudo-control-plane.mjs` as on a machine without the repository: in a mount namespace of its
 * own where `hiddenDir` (the repository) is an empty tmpfs, with PATH and `env` alone. It leads its own
 * process group, so `killLauncher` can end it together with the server it started.
 */
export const runLauncher = ({
  launcher,
  hiddenDir,
  env,
  args = [],
}: {
  launcher: string;
  hiddenDir: string;
  env: Record<string, string>;
  /** The launcher's own arguments, e.g. `create-admin NAME`. */
  args?: string[];
}): LauncherRun => {
  const child = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs tmpfs "$0" && exec node "$@"',
      hiddenDir,
      launcher,
      ...args,
    ],
    {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return { child, readOutput: () => output, exited };
};

/** Waits until the output matches `pattern` (its match), or throws with the output when the launcher ends. */
export const waitForOutput = async ({ run, pattern }: { run: LauncherRun; pattern: RegExp }) => {
  let hasEnded = false;
  void run.exited.then(() => {
    hasEnded = true;
  });
  for (;;) {
    const match = run.readOutput().match(pattern);
    if (match) return match;
    if (hasEnded) throw new Error(`the launcher ended before printing ${pattern}:\n${run.readOutput()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** Ends a launcher and whatever it started (its process group), if still running: the tests' cleanup. */
export const killLauncher = async (run: LauncherRun | undefined) => {
  if (!run?.child.pid || run.child.exitCode !== null || run.child.signalCode !== null) return;
  process.kill(-run.child.pid, 'SIGKILL');
  await run.exited;
};
