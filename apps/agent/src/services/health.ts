import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { release, uptime } from 'node:os';
import { promisify } from 'node:util';
import packageJson from '../../package.json' with { type: 'json' };

const run = promisify(execFile);

/** The version of the agent's API; the control plane refuses to drive an agent that speaks another. */
export const agentApiVersion = 1;

export const defaultBootIdFile = '/proc/sys/kernel/random/boot_id';

/** The binaries netcore needs, each asked for its version: present when it answers. */
const toolProbes = {
  iproute2: { file: 'ip', args: ['-V'] },
  iptables: { file: 'iptables', args: ['--version'] },
  conntrack: { file: 'conntrack', args: ['--version'] },
} as const;

const isToolPresent = async ({ file, args }: { file: string; args: readonly string[] }) => {
  try {
    await run(file, [...args], { timeout: 5_000, env: { ...process.env, LC_ALL: 'C' } });
    return true;
  } catch {
    return false;
  }
};

/**
 * What the control plane needs to know about a node and its agent. The boot id is read at every call,
 * so a changed id tells that the node rebooted (and lost its bridges and rules).
 */
export const readHealth = async ({
  nodeId,
  hostNamespace,
  bootIdFile,
  startedAt,
  certificate,
}: {
  nodeId: string;
  hostNamespace: string | undefined;
  bootIdFile: string;
  startedAt: number;
  /** The agent's serving certificate; null for a plain-HTTP agent on loopback. */
  certificate: { serialNumber: string; notAfter: string } | null;
}) => {
  const [bootId, iproute2, iptables, conntrack] = await Promise.all([
    readFile(bootIdFile, 'utf8').then((content) => content.trim()),
    isToolPresent(toolProbes.iproute2),
    isToolPresent(toolProbes.iptables),
    isToolPresent(toolProbes.conntrack),
  ]);
  return {
    agentVersion: packageJson.version,
    apiVersion: agentApiVersion,
    nodeId,
    hostNamespace: hostNamespace ?? null,
    kernel: release(),
    bootId,
    /** Seconds since the agent started. */
    uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
    /** Seconds since the machine booted. */
    systemUptimeSeconds: Math.floor(uptime()),
    tools: { iproute2, iptables, conntrack },
    certificate,
  };
};

export type Health = Awaited<ReturnType<typeof readHealth>>;
