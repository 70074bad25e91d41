import { CniError, cniErrorCodes } from './errors.js';
import { type CniCommand, cniCommands } from './versions.js';

/** What the runtime tells the plugin through the environment, checked once. */
export type CniEnvironment = {
  command: CniCommand;
  containerId: string | undefined;
  netns: string | undefined;
  ifName: string | undefined;
  args: Record<string, string>;
  path: string | undefined;
};

const requiredByCommand: Record<CniCommand, readonly string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  // DEL may come after the namespace is gone: no CNI_NETNS then.
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  GC: ['CNI_PATH'],
  STATUS: [],
  VERSION: [],
};

const isCommand = (value: string): value is CniCommand => (cniCommands as string[]).includes(value);

/** `CNI_ARGS`: `KEY=VALUE;KEY=VALUE`. A pair without `=` is refused (code 4). */
const parseArgs = (value: string | undefined) => {
  const args: Record<string, string> = {};
  for (const pair of (value ?? '').split(';').filter((part) => part.length > 0)) {
    const index = pair.indexOf('=');
    if (index < 1)
      throw new CniError({
        code: cniErrorCodes.invalidEnvironment,
        message: `CNI_ARGS: '${pair}' is not KEY=VALUE`,
      });
    args[pair.slice(0, index)] = pair.slice(index + 1);
  }
  return args;
};

/** Reads the CNI_* variables; a missing or unknown one is code 4, naming every variable at fault. */
export const parseCniEnvironment = (env: Record<string, string | undefined>): CniEnvironment => {
  const command = env.CNI_COMMAND;
  if (!command)
    throw new CniError({
      code: cniErrorCodes.invalidEnvironment,
      message: 'missing environment variables: CNI_COMMAND',
    });
  if (!isCommand(command))
    throw new CniError({
      code: cniErrorCodes.invalidEnvironment,
      message: `CNI_COMMAND: unknown command '${command}' (one of ${cniCommands.join(', ')})`,
    });
  const missing = requiredByCommand[command].filter((name) => !env[name]);
  if (missing.length > 0)
    throw new CniError({
      code: cniErrorCodes.invalidEnvironment,
      message: `missing environment variables: ${missing.join(', ')}`,
    });
  return {
    command,
    containerId: env.CNI_CONTAINERID || undefined,
    netns: env.CNI_NETNS || undefined,
    ifName: env.CNI_IFNAME || undefined,
    args: parseArgs(env.CNI_ARGS),
    path: env.CNI_PATH || undefined,
  };
};
