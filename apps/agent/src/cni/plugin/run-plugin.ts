import { TRPCError } from '@trpc/server';
import { readNetcoreErrorData } from '../../error-mapping.js';
import { isCniRefusal } from '../cni-errors.js';
import type { cniSocketRouter } from '../cni-socket-router.js';
import { type CniConfig, parseCniConfig, peekCniVersion } from './config.js';
import { parseCniEnvironment } from './environment.js';
import { CniError, cniErrorCodes, formatCniError, isCniError } from './errors.js';
import { renderAddResult, renderVersionResult } from './result.js';
import { isCommandInVersion, isSupportedVersion, latestVersion, supportedVersions } from './versions.js';

export type PluginOutcome = { exitCode: number; stdout: string };

/** The CNI socket router called in-process (`cniSocketRouter.createCaller`): the same validation and errors. */
export type CniCaller = ReturnType<typeof cniSocketRouter.createCaller>;

/** What a failed call says: the agent's refusal, netcore's code and the tRPC code (the caller throws TRPCError). */
const readAgentFailure = (error: unknown) => {
  const trpcError = error instanceof TRPCError ? error : undefined;
  return {
    trpcCode: trpcError?.code,
    refusal: isCniRefusal(trpcError?.cause) ? trpcError.cause.code : undefined,
    netcoreCode: trpcError ? readNetcoreErrorData(trpcError)?.code : undefined,
    message: error instanceof Error ? error.message : String(error),
  };
};

/**
 * How an agent failure reads to the runtime: try again for what is not there yet, the agent's reason else.
 * (An agent that cannot be reached is the native forwarder's to report: 50 for STATUS, 11 else.)
 */
const toCniError = ({ error, command }: { error: unknown; command: string }) => {
  const failure = readAgentFailure(error);
  if (failure.refusal === 'NO_RANGE')
    return new CniError({
      code: command === 'STATUS' ? cniErrorCodes.pluginNotAvailable : cniErrorCodes.tryAgainLater,
      message: failure.message,
    });
  if (failure.refusal === 'DRIFT')
    return new CniError({ code: cniErrorCodes.attachmentDrift, message: failure.message });
  if (failure.netcoreCode === 'INVALID_INPUT' || failure.trpcCode === 'BAD_REQUEST')
    return new CniError({ code: cniErrorCodes.invalidConfig, message: failure.message });
  return new CniError({ code: cniErrorCodes.attachmentFailed, message: failure.message });
};

const required = (value: string | undefined) => value ?? '';

/**
 * One plugin call: environment and stdin in, the spec's answer out (a result or an error JSON on stdout,
 * exit 0 or 1). The agent runs it for each exec of the native `kudo` forwarder (cni-exec.ts), against
 * `agent`, the CNI socket router called in-process; nothing here reads `process`.
 */
export const runPlugin = async ({
  env,
  stdin,
  agent,
}: {
  env: Record<string, string | undefined>;
  stdin: string;
  agent: CniCaller;
}): Promise<PluginOutcome> => {
  const answer = (value: unknown): PluginOutcome => ({ exitCode: 0, stdout: JSON.stringify(value) });
  try {
    const environment = parseCniEnvironment(env);
    if (environment.command === 'VERSION') {
      const asked = peekCniVersion(stdin);
      return answer(
        renderVersionResult({
          cniVersion: asked !== undefined && isSupportedVersion(asked) ? asked : latestVersion,
          supportedVersions,
        }),
      );
    }
    const config: CniConfig = parseCniConfig(stdin);
    const { command } = environment;
    if (!isCommandInVersion({ command, version: config.cniVersion }))
      throw new CniError({
        code: cniErrorCodes.incompatibleVersion,
        message: `${command} is not part of CNI ${config.cniVersion}`,
      });
    const key = {
      containerId: required(environment.containerId),
      ifName: required(environment.ifName),
      networkName: config.name,
    };
    try {
      if (command === 'ADD') {
        const made = await agent.cni.add({
          ...key,
          netnsPath: required(environment.netns),
          portMappings: config.runtimeConfig.portMappings,
          runtime: config.runtime,
        });
        return answer(
          renderAddResult({
            attachment: {
              ifName: made.ifName,
              sandbox: made.netnsPath,
              hostInterfaceName: made.hostInterfaceName,
              instanceIpCidr: made.instanceIpCidr,
              gateway: made.gateway,
            },
            prevResult: config.prevResult,
            cniVersion: config.cniVersion,
          }),
        );
      }
      if (command === 'DEL') {
        await agent.cni.del({
          ...key,
          ...(environment.netns ? { netnsPath: environment.netns } : {}),
        });
        return { exitCode: 0, stdout: '' };
      }
      if (command === 'CHECK') {
        await agent.cni.check({ ...key, netnsPath: required(environment.netns) });
        return { exitCode: 0, stdout: '' };
      }
      if (command === 'GC') {
        await agent.cni.gc({
          networkName: config.name,
          validAttachments: config['cni.dev/valid-attachments'].map(({ containerID, ifname }) => ({
            containerId: containerID,
            ifName: ifname,
          })),
        });
        return { exitCode: 0, stdout: '' };
      }
      await agent.cni.status();
      return { exitCode: 0, stdout: '' };
    } catch (error) {
      throw toCniError({ error, command });
    }
  } catch (error) {
    const cniError = isCniError(error)
      ? error
      : new CniError({
          code: cniErrorCodes.ioFailure,
          message: error instanceof Error ? error.message : String(error),
        });
    const asked = peekCniVersion(stdin);
    return {
      exitCode: 1,
      stdout: JSON.stringify(
        formatCniError({
          error: cniError,
          cniVersion: asked && isSupportedVersion(asked) ? asked : latestVersion,
        }),
      ),
    };
  }
};
