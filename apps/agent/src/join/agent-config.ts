import { ZId } from '@kudo/netcore';
import { ZIpAddress } from '@kudo/pki';
import { z } from 'zod';
import { AgentError } from '../errors.js';
import { readCredentialPaths, readTextFile, writeFileAtomically } from '../tls/credential-files.js';

export const defaultConfigDirectory = '/etc/kudo';
export const defaultAgentPort = 7443;
export const defaultJoinListen = `0.0.0.0:${defaultAgentPort}`;

/** `ADDRESS`, `ADDRESS:PORT` or `[IPv6]:PORT`: where the agent listens. */
export const ZListen = z
  .string()
  .min(1, 'must not be empty')
  .transform((value, context) => {
    const match = value.match(/^\[([^\]]+)\](?::(\d+))?$/) ?? value.match(/^([^:]+)(?::(\d+))?$/);
    const host = match?.[1];
    const port = match?.[2] === undefined ? defaultAgentPort : Number(match[2]);
    if (!host || !ZIpAddress.safeParse(host).success || !Number.isInteger(port) || port < 1 || port > 65535) {
      context.addIssue({
        code: 'custom',
        message: 'must be ADDRESS or ADDRESS:PORT (an IP address, port 1-65535)',
      });
      return z.NEVER;
    }
    return { host, port };
  });

export const ZHttpsUrl = z
  .url({ protocol: /^https$/, error: 'must be an https:// URL' })
  .transform((value) => value.replace(/\/+$/, ''));

/**
 * The start of this node's instance namespace names (`PREFIX-i-ID-HASH`; default `kudo`). Only for machines
 * that share one /run/netns, as the lab's do: each then sees and cleans only its own instances.
 */
export const ZNamespacePrefix = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,47}$/,
    'must be 1-48 lowercase letters, digits or dashes, not starting with a dash',
  );

/** agent.json: what `run` needs to start again after a reboot. */
export const ZAgentConfig = z.object({
  version: z.literal(1),
  nodeId: ZId,
  /** The control plane's URL, as given to join. */
  server: ZHttpsUrl,
  /** Where the agent listens, `ADDRESS:PORT`. */
  listen: z.string().min(1),
  /** How the control plane reaches the agent. */
  agentUrl: ZHttpsUrl,
  externalIpAddr: ZIpAddress,
  /** A bearer token file for an admin's scripts (mode 600); without it only the control plane gets in. */
  tokenFile: z.string().min(1).optional(),
  namespacePrefix: ZNamespacePrefix.optional(),
});

export type AgentConfig = z.output<typeof ZAgentConfig>;

const failConfig = ({ directory, reason, cause }: { directory: string; reason: string; cause?: unknown }) =>
  new AgentError({ code: 'CREDENTIALS', field: '--config-dir', reason: `${directory}: ${reason}`, cause });

/** Reads and validates agent.json. */
export const readAgentConfig = async ({ directory }: { directory: string }) => {
  const path = readCredentialPaths({ directory }).config;
  let content: unknown;
  try {
    content = JSON.parse(await readTextFile(path));
  } catch (error) {
    throw failConfig({
      directory,
      reason: `cannot read ${path} (has this node joined? run join first): ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  const parsed = ZAgentConfig.safeParse(content);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw failConfig({
      directory,
      reason: `agent.json ${issue?.path.join('.')}: ${issue?.message ?? 'invalid'}`,
    });
  }
  return parsed.data;
};

export const writeAgentConfig = ({ directory, config }: { directory: string; config: AgentConfig }) =>
  writeFileAtomically({
    path: readCredentialPaths({ directory }).config,
    content: `${JSON.stringify(ZAgentConfig.parse(config), null, 2)}\n`,
    mode: 0o644,
  });
