import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv } from './env.js';

/** What every bundle of ours compiles besides its own app: netcore, pki and the locked dependencies. */
export const sharedBuildInputs = ({ root }: { root: string }) => [
  join(root, 'packages', 'netcore', 'src'),
  join(root, 'packages', 'pki', 'src'),
  join(root, 'package-lock.json'),
];

/** What the dashboard's build is made of: a change in any of them makes the build out of date. */
export const webBuildInputs = ({ root }: { root: string }) => [
  ...['src', 'public', 'next.config.ts', 'package.json'].map((name) => join(root, 'apps', 'web', name)),
  join(root, 'apps', 'agent', 'src'),
  join(root, 'prisma', 'schema.prisma'),
  ...sharedBuildInputs({ root }),
];

/** The newest modification time under `path` (0 if missing), skipping dependencies and build output. */
export const findNewestChange = (path: string): number => {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === '.next') continue;
    newest = Math.max(newest, findNewestChange(join(path, entry)));
  }
  return newest;
};

const buildIdFile = ({ root }: { root: string }) => join(root, 'apps', 'web', '.next', 'BUILD_ID');

/** Whether `.next` holds a production build newer than every source it was made from. */
export const isWebBuildCurrent = ({ root }: { root: string }) => {
  const file = buildIdFile({ root });
  if (!existsSync(file)) return false;
  const builtAt = statSync(file).mtimeMs;
  return webBuildInputs({ root }).every((input) => findNewestChange(input) <= builtAt);
};

/** Runs a build command, its output logged line by line; rejects with its last lines when it fails. */
export const runBuildCommand = ({
  command,
  args,
  cwd,
  log,
}: {
  command: string;
  args: string[];
  cwd: string;
  log: (line: string) => void;
}) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (line.trim()) {
          output.push(line);
          log(line);
        }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `${[command, ...args].join(' ')} exited with ${code}:\n${output.slice(-30).join('\n')}`,
            ),
          ),
    );
  });

/** Generates the Prisma client (gitignored) when it is missing: a fresh clone has none. Offline. */
export const ensurePrismaClient = async ({ root, log }: { root: string; log: (line: string) => void }) => {
  if (existsSync(join(root, 'apps', 'web', 'src', 'generated', 'prisma', 'client.ts'))) return false;
  log('generating the Prisma client');
  await runBuildCommand({
    command: process.execPath,
    args: [join(root, 'node_modules', 'prisma', 'build', 'index.js'), 'generate'],
    cwd: join(root, 'apps', 'web'),
    log,
  });
  return true;
};

/** Builds the dashboard for production (`next build`) unless the existing build is up to date. */
export const ensureWebBuild = async ({ root, log }: { root: string; log: (line: string) => void }) => {
  await ensurePrismaClient({ root, log });
  if (isWebBuildCurrent({ root })) return { isBuilt: false };
  log('building the dashboard (next build, about a minute)');
  await runBuildCommand({
    command: process.execPath,
    args: [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build', '--webpack'],
    cwd: join(root, 'apps', 'web'),
    log,
  });
  return { isBuilt: true };
};
