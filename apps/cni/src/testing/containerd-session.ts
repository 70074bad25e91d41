import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs as containerd's parent inside the lab node's network namespace and a private mount namespace (the
 * verified recipe in ../shared/recipes/containerd-in-a-lab-node.sh): tmpfs over the fixed CNI paths and over
 * /run (containerd 1.6 puts its shim sockets and runc state under /run/containerd whatever --state says;
 * nothing inside needs the machine's /run: ctr joins by process id), then the session's own directories
 * bound over /etc/cni/net.d and /opt/cni/bin so that the test writes conflists and plugins there from
 * outside. Nothing of it is visible outside the private mount namespace.
 */
const insideScript = `set -eu
dir=$1
for d in /etc/cni /opt/cni/bin /var/lib/cni /run; do mkdir -p "$d"; mount -t tmpfs tmpfs "$d"; done
mkdir -p /etc/cni/net.d
mount --bind "$dir/net.d" /etc/cni/net.d
mount --bind "$dir/bin" /opt/cni/bin
exec containerd --config "$dir/config.toml" --root "$dir/root" --state "$dir/state" --address "$dir/ctr.sock"
`;

/**
 * What `ctr` and the plugins it runs (libcni passes its environment on) need: the PATH, and nothing of this
 * process's own (a test runner's or tsx's variables).
 */
const ctrEnvironment = () => ({ PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' });

const waitForFile = async ({ path, child }: { path: string; child: ChildProcess }) => {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`containerd exited with ${child.exitCode} before serving`);
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

export type ContainerdSession = {
  /** Where conflists go (bound over /etc/cni/net.d inside). */
  confDirectory: string;
  /** Where plugins go (bound over /opt/cni/bin inside). */
  binDirectory: string;
  /** `ctr --address SOCK ARGS...` in containerd's network and mount namespaces; its stdout. */
  ctr: (args: readonly string[]) => Promise<string>;
  /** The same, left running (a `ctr run` without `-d` that waits for its container). */
  spawnCtr: (args: readonly string[]) => ChildProcess;
  /** Kills every task, removes every container, stops containerd. */
  stop: () => Promise<void>;
};

/**
 * containerd with its own root, state and socket under `directory`, its CRI plugin disabled, running in
 * the lab node `namespace` (CNI plugins act in their caller's network namespace, and `ctr run --cni`
 * calls them from the ctr process: so ctr runs there too, through `nsenter --target PID --net --mount`).
 */
export const startContainerdSession = async ({
  namespace,
  directory,
}: {
  namespace: string;
  directory: string;
}): Promise<ContainerdSession> => {
  const confDirectory = join(directory, 'net.d');
  const binDirectory = join(directory, 'bin');
  await mkdir(confDirectory, { recursive: true });
  await mkdir(binDirectory, { recursive: true });
  await writeFile(
    join(directory, 'config.toml'),
    'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n',
  );
  await writeFile(join(directory, 'inside.sh'), insideScript);
  const socket = join(directory, 'ctr.sock');
  const containerd = spawn(
    'nsenter',
    [
      `--net=/run/netns/${namespace}`,
      '--',
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      join(directory, 'inside.sh'),
      directory,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  containerd.stderr?.on('data', (chunk: Buffer) => {
    log = `${log}${chunk}`.slice(-4000);
  });
  const exited = new Promise<void>((resolve) => containerd.once('exit', () => resolve()));
  try {
    await waitForFile({ path: socket, child: containerd });
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}: ${log}`);
  }
  // nsenter and unshare exec without forking, and the script execs containerd: the child is containerd.
  const target = ['--target', String(containerd.pid), '--net', '--mount', '--'];
  const ctrArgs = (args: readonly string[]) => [...target, 'ctr', '--address', socket, ...args];
  const ctr = async (args: readonly string[]) =>
    (await run('nsenter', ctrArgs(args), { env: ctrEnvironment() })).stdout;
  const spawnCtr = (args: readonly string[]) =>
    spawn('nsenter', ctrArgs(args), { env: ctrEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = (text: string) => text.split('\n').filter((line) => line.trim().length > 0);
  const stop = async () => {
    for (const id of lines(await ctr(['task', 'ls', '-q']).catch(() => ''))) {
      await ctr(['task', 'kill', '-s', 'SIGKILL', id]).catch(() => '');
      await ctr(['task', 'rm', '-f', id]).catch(() => '');
    }
    for (const id of lines(await ctr(['container', 'ls', '-q']).catch(() => '')))
      await ctr(['container', 'rm', id]).catch(() => '');
    containerd.kill('SIGTERM');
    await exited;
  };
  return { confDirectory, binDirectory, ctr, spawnCtr, stop };
};
