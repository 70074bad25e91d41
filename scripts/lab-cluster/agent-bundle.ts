import { existsSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { findNewestChange, runBuildCommand, sharedBuildInputs } from './web-build.js';

/** The packaged agent (`npm run build -w @kudo/agent`): what an admin copies to a real machine. */
export const getAgentBundlePath = ({ root }: { root: string }) =>
  join(root, 'apps', 'agent', 'dist', 'kudo-agent.mjs');

/** What the bundle is made of: a change in any of them makes it out of date. */
const bundleInputs = ({ root }: { root: string }) => [
  ...['src', 'build.mjs', 'package.json'].map((name) => join(root, 'apps', 'agent', name)),
  ...sharedBuildInputs({ root }),
];

/** Whether the bundle exists and is newer than every source it was made from. */
export const isAgentBundleCurrent = ({ root }: { root: string }) => {
  const bundle = getAgentBundlePath({ root });
  if (!existsSync(bundle)) return false;
  const builtAt = statSync(bundle).mtimeMs;
  return bundleInputs({ root }).every((input) => findNewestChange(input) <= builtAt);
};

/** Bundles the agent (esbuild, a few seconds) unless the existing bundle is up to date; returns its path. */
export const ensureAgentBundle = async ({ root, log }: { root: string; log: (line: string) => void }) => {
  const bundle = getAgentBundlePath({ root });
  if (isAgentBundleCurrent({ root })) return bundle;
  log('bundling the agent (apps/agent/dist/kudo-agent.mjs)');
  // Built beside it and renamed: an agent starting from the bundle meanwhile never reads half a file.
  const next = `${bundle}.${process.pid}.tmp`;
  await runBuildCommand({
    command: process.execPath,
    args: [join(root, 'apps', 'agent', 'build.mjs'), next],
    cwd: join(root, 'apps', 'agent'),
    log,
  });
  await rename(next, bundle);
  return bundle;
};
