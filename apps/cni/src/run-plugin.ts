import { type CniAgentClient, readAgentFailure } from './agent-client.js';
import { type CniConfig, parseCniConfig, peekCniVersion } from './spec/config.js';
import { parseCniEnvironment } from './spec/environment.js';
import { CniError, cniErrorCodes, formatCniError, isCniError } from './spec/errors.js';
import { renderAddResult, renderVersionResult } from './spec/result.js';
import { isCommandInVersion, isSupportedVersion, latestVersion, supportedVersions } from './spec/versions.js';

export type PluginOutcome = { exitCode: number; stdout: string };

/** How an agent failure reads to the runtime: try again for what is not there yet, the agent's reason else. */
const toCniError = ({ error, command }: { error: unknown; command: string }) => {
  const failure = readAgentFailure(error);
  if (!failure.isReachable)
    return new CniError({
      code: command === 'STATUS' ? cniErrorCodes.pluginNotAvailable : cniErrorCodes.tryAgainLater,
      message: `the Kudo agent cannot be reached: ${failure.message}`,
    });
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
 * exit 0 or 1). `connect` makes the agent client for the config's socket; nothing here reads
 * `process`, so the unit tests drive it with a fake agent.
 */
export const runPlugin = async ({
  env,
  stdin,
  connect,
}: {
  env: Record<string, string | undefined>;
  stdin: string;
  connect: (socketPath: string) => CniAgentClient;
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
    const agent = connect(config.agentSocket);
    const key = {
      containerId: required(environment.containerId),
      ifName: required(environment.ifName),
      networkName: config.name,
    };
    try {
      if (command === 'ADD') {
        const made = await agent.cni.add.mutate({
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
        await agent.cni.del.mutate({
          ...key,
          ...(environment.netns ? { netnsPath: environment.netns } : {}),
        });
        return { exitCode: 0, stdout: '' };
      }
      if (command === 'CHECK') {
        await agent.cni.check.mutate({ ...key, netnsPath: required(environment.netns) });
        return { exitCode: 0, stdout: '' };
      }
      if (command === 'GC') {
        await agent.cni.gc.mutate({
          networkName: config.name,
          validAttachments: config['cni.dev/valid-attachments'].map(({ containerID, ifname }) => ({
            containerId: containerID,
            ifName: ifname,
          })),
        });
        return { exitCode: 0, stdout: '' };
      }
      await agent.cni.status.query();
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
