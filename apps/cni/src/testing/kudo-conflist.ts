import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type CniPortMapping = { hostPort: number; containerPort: number; protocol: string };

/** The id `ctr run --cni` gives CNI for a container: `<containerd namespace>-<id>` (go-cni's caller). */
export const toCtrContainerId = (id: string, namespace = 'default') => `${namespace}-${id}`;

/**
 * The `kudo` network of the tests and the bench. `ctr run --cni` has no port flag and passes no capability
 * arguments (go-cni's `Setup(ctx, id, netns)` without `WithCapabilityPortMap`), and libcni then hands each
 * plugin its conflist entry unchanged: a static `runtimeConfig.portMappings` here reaches the plugin exactly
 * as nerdctl's `-p` or the CRI's port mappings do through the `portMappings` capability.
 */
export const renderKudoConflist = ({
  agentSocket,
  portMappings = [],
}: {
  agentSocket: string;
  portMappings?: readonly CniPortMapping[];
}) => ({
  cniVersion: '1.0.0',
  name: 'kudo',
  plugins: [
    {
      type: 'kudo',
      agentSocket,
      runtime: 'containerd',
      capabilities: { portMappings: true },
      ...(portMappings.length > 0 ? { runtimeConfig: { portMappings } } : {}),
    },
  ],
});

/** Writes the conflist where the next `ctr run --cni` reads it (each ctr run loads it afresh). */
export const writeKudoConflist = ({
  directory,
  ...options
}: {
  directory: string;
  agentSocket: string;
  portMappings?: readonly CniPortMapping[];
}) => writeFile(join(directory, '10-kudo.conflist'), JSON.stringify(renderKudoConflist(options), null, 2));

/**
 * CNI GC as libcni 1.2+ runs it (`GCNetworkList`): the plugin called with `CNI_COMMAND=GC` and the network's
 * config carrying `cni.dev/valid-attachments` (Debian 12's containerd 1.6 has no GC of its own).
 */
export const callKudoGc = ({
  plugin,
  agentSocket,
  validAttachments,
}: {
  plugin: string;
  agentSocket: string;
  validAttachments: readonly { containerID: string; ifname: string }[];
}) =>
  new Promise<{ exitCode: number; stdout: string }>((resolve) => {
    const child = execFile(
      plugin,
      [],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' } },
      (error, stdout) =>
        resolve({ exitCode: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout }),
    );
    child.stdin?.end(
      JSON.stringify({
        cniVersion: '1.1.0',
        name: 'kudo',
        type: 'kudo',
        agentSocket,
        runtime: 'containerd',
        'cni.dev/valid-attachments': validAttachments,
      }),
    );
  });
