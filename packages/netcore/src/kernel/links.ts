import { isNetcoreError } from '../errors.js';
import { toIpBatchCommand } from './command.js';
import type { Host } from './host.js';

/** A network interface as `ip -j -d addr show` reports it. */
export type Link = {
  name: string;
  kind: string | undefined;
  master: string | undefined;
  alias: string | undefined;
  mtu: number;
  isUp: boolean;
  /** Bridge port isolation (`isolated on`), for veths enslaved to a bridge. */
  isIsolated: boolean;
  /** IPv4 addresses as `a.b.c.d/n`. */
  addresses: string[];
};

export type Route = {
  destination: string;
  gateway: string | undefined;
  device: string | undefined;
  protocol: string | undefined;
};

type RawLink = {
  ifname: string;
  mtu: number;
  flags?: string[];
  master?: string;
  ifalias?: string;
  linkinfo?: { info_kind?: string; info_slave_data?: { isolated?: boolean } };
  addr_info?: { family: string; local: string; prefixlen: number }[];
};

type RawRoute = { dst: string; gateway?: string; dev?: string; protocol?: string };

const toLink = (raw: RawLink): Link => ({
  name: raw.ifname,
  kind: raw.linkinfo?.info_kind,
  master: raw.master,
  alias: raw.ifalias,
  mtu: raw.mtu,
  isUp: raw.flags?.includes('UP') ?? false,
  isIsolated: raw.linkinfo?.info_slave_data?.isolated ?? false,
  addresses: (raw.addr_info ?? [])
    .filter((info) => info.family === 'inet')
    .map((info) => `${info.local}/${info.prefixlen}`),
});

const parseJson = <T>(stdout: string): T[] => (stdout.trim() === '' ? [] : (JSON.parse(stdout) as T[]));

/** Every link of a namespace with its IPv4 addresses, in one `ip` call. */
export const readLinks = async ({
  host,
  namespace = host.namespace,
}: {
  host: Host;
  namespace?: string | undefined;
}) => {
  const { stdout } = await host.runner.run({ namespace, file: 'ip', args: ['-j', '-d', 'addr', 'show'] });
  return parseJson<RawLink>(stdout).map(toLink);
};

/**
 * Whether the host namespace has a link of that name, asked of its long-lived `ip` (`link show dev NAME`
 * looks the name up afresh each time, so a link deleted or made by another process is seen): no process
 * is started, where a read of every link would start one.
 */
export const hasLink = async ({ host, name }: { host: Host; name: string }) => {
  try {
    await host.runner.run(
      toIpBatchCommand({
        namespace: host.namespace,
        lines: [['link', 'show', 'dev', name]],
        kind: 'ip-session',
      }),
    );
    return true;
  } catch (error) {
    if (isNetcoreError(error) && /does not exist/.test(error.reason)) return false;
    throw error;
  }
};

/** IPv4 routes of the main table, optionally only those of one routing protocol. */
export const readRoutes = async ({ host, protocol }: { host: Host; protocol?: number }) => {
  const args = [
    '-j',
    '-4',
    'route',
    'show',
    'table',
    'main',
    ...(protocol === undefined ? [] : ['proto', String(protocol)]),
  ];
  const { stdout } = await host.runner.run({ namespace: host.namespace, file: 'ip', args });
  return parseJson<RawRoute>(stdout).map(
    (raw): Route => ({ destination: raw.dst, gateway: raw.gateway, device: raw.dev, protocol: raw.protocol }),
  );
};

/**
 * Runs `ip` commands as one batch in the host namespace (or another one). Batches for the host namespace
 * go to a long-lived process; those for another namespace are started by one (see runner.ts). A failing
 * line fails the call, so the operation can roll back.
 */
export const runIpBatch = async ({
  host,
  namespace = host.namespace,
  lines,
}: {
  host: Host;
  namespace?: string | undefined;
  lines: readonly (readonly string[])[];
}) => {
  if (lines.length === 0) return;
  // The host's own namespace gets batch after batch; an instance's, one at its setup.
  await host.runner.run(
    toIpBatchCommand({ namespace, lines, kind: namespace === host.namespace ? 'ip-session' : 'ip-batch' }),
  );
};

/**
 * `ip netns add/del` lines, run from the normal mount namespace (never through `ip -n`, whose private
 * mount namespace would hide the new name) by a long-lived process that only ever manages namespaces.
 */
export const runNamespaceBatch = async ({
  host,
  lines,
}: {
  host: Host;
  lines: readonly (readonly string[])[];
}) => {
  if (lines.length === 0) return;
  await host.runner.run(toIpBatchCommand({ namespace: undefined, lines, kind: 'ip-session' }));
};
