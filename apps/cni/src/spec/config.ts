import { z } from 'zod';
import { CniError, cniErrorCodes } from './errors.js';
import { type CniVersion, isSupportedVersion, supportedVersions } from './versions.js';

export const defaultAgentSocket = '/run/kudo/agent.sock';

const ZPortMapping = z.object({
  hostPort: z.number().int().min(1).max(65535),
  containerPort: z.number().int().min(1).max(65535),
  protocol: z.string().default('tcp'),
  hostIP: z.string().optional(),
});

/** A result of an earlier plugin in the chain, in any version: only what Kudo passes on is read. */
const ZPrevResult = z
  .object({
    interfaces: z
      .array(
        z.object({ name: z.string(), mac: z.string().optional(), sandbox: z.string().optional() }).loose(),
      )
      .default([]),
    ips: z
      .array(
        z
          .object({
            address: z.string(),
            gateway: z.string().optional(),
            interface: z.number().int().optional(),
          })
          .loose(),
      )
      .default([]),
    routes: z.array(z.object({ dst: z.string(), gw: z.string().optional() }).loose()).default([]),
    dns: z.record(z.string(), z.unknown()).default({}),
  })
  .loose();

/** The network configuration on stdin (one plugin of a conflist, as the runtime hands it over). */
export const ZCniConfig = z
  .object({
    cniVersion: z.string(),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_", "-"'),
    type: z.string(),
    /** The agent's unix socket; only root can open it. */
    agentSocket: z.string().startsWith('/', 'must be an absolute path').default(defaultAgentSocket),
    /** Which runtime attaches (shown in the dashboard): containerd, podman, nerdctl, ... */
    runtime: z.string().max(64).default('cni'),
    runtimeConfig: z
      .object({ portMappings: z.array(ZPortMapping).default([]) })
      .loose()
      .default({ portMappings: [] }),
    prevResult: ZPrevResult.optional(),
    'cni.dev/valid-attachments': z
      .array(z.object({ containerID: z.string(), ifname: z.string() }).loose())
      .default([]),
  })
  .loose();

export type CniConfig = z.output<typeof ZCniConfig> & { cniVersion: CniVersion };
export type PrevResult = z.output<typeof ZPrevResult>;

/** The cniVersion of a config that may not decode further (for the error JSON's own cniVersion). */
export const peekCniVersion = (stdin: string) => {
  try {
    const value = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
};

/** Decodes (6), checks the version (1), then the fields (7), in the spec's order. */
export const parseCniConfig = (stdin: string): CniConfig => {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (error) {
    throw new CniError({
      code: cniErrorCodes.decodeFailure,
      message: 'the network configuration on stdin is not JSON',
      details: error instanceof Error ? error.message : String(error),
    });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new CniError({
      code: cniErrorCodes.decodeFailure,
      message: 'the network configuration must be a JSON object',
    });
  const version = (raw as { cniVersion?: unknown }).cniVersion;
  if (typeof version !== 'string' || !isSupportedVersion(version))
    throw new CniError({
      code: cniErrorCodes.incompatibleVersion,
      message: `cniVersion ${JSON.stringify(version ?? null)} is not supported (supported: ${supportedVersions.join(', ')})`,
    });
  const parsed = ZCniConfig.safeParse(raw);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new CniError({
      code: cniErrorCodes.invalidConfig,
      message: `${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}`,
    });
  }
  return { ...parsed.data, cniVersion: version };
};
