import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { CniError, cniErrorCodes } from './errors.js';
import { type CniVersion, isSupportedVersion, supportedVersions } from './versions.js';

/*
 * zod's mini build (written when these schemas ran in a Node plugin process started for each ADD and DEL,
 * where loading the classic build was most of its start-up); the agent now runs them, unchanged.
 */

// The mini build carries no messages of its own: English ones, for the error JSON's `msg`.
z.config(en());

export const defaultAgentSocket = '/run/kudo/agent.sock';

const ZPort = z.int().check(z.minimum(1), z.maximum(65535));

const ZPortMapping = z.object({
  hostPort: ZPort,
  containerPort: ZPort,
  protocol: z._default(z.string(), 'tcp'),
  hostIP: z.optional(z.string()),
});

/** A result of an earlier plugin in the chain, in any version: only what Kudo passes on is read. */
const ZPrevResult = z.looseObject({
  interfaces: z._default(
    z.array(
      z.looseObject({ name: z.string(), mac: z.optional(z.string()), sandbox: z.optional(z.string()) }),
    ),
    [],
  ),
  ips: z._default(
    z.array(
      z.looseObject({
        address: z.string(),
        gateway: z.optional(z.string()),
        interface: z.optional(z.int()),
      }),
    ),
    [],
  ),
  routes: z._default(z.array(z.looseObject({ dst: z.string(), gw: z.optional(z.string()) })), []),
  dns: z._default(z.record(z.string(), z.unknown()), {}),
});

/** The network configuration on stdin (one plugin of a conflist, as the runtime hands it over). */
export const ZCniConfig = z.looseObject({
  cniVersion: z.string(),
  name: z
    .string()
    .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_", "-"')),
  type: z.string(),
  /** The agent's unix socket; only root can open it. */
  agentSocket: z._default(
    z.string().check(z.startsWith('/', 'must be an absolute path')),
    defaultAgentSocket,
  ),
  /** Which runtime attaches (shown in the dashboard): containerd, podman, nerdctl, ... */
  runtime: z._default(z.string().check(z.maxLength(64)), 'cni'),
  runtimeConfig: z._default(z.looseObject({ portMappings: z._default(z.array(ZPortMapping), []) }), {
    portMappings: [],
  }),
  prevResult: z.optional(ZPrevResult),
  'cni.dev/valid-attachments': z._default(
    z.array(z.looseObject({ containerID: z.string(), ifname: z.string() })),
    [],
  ),
});

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
