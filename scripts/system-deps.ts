/** Installs the Debian packages the lab needs when their commands are missing (root only). */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const requiredCommands: Record<string, string> = {
  ip: 'iproute2',
  iptables: 'iptables',
  conntrack: 'conntrack',
  nsenter: 'util-linux',
  sysctl: 'procps',
  ping: 'iputils-ping',
};

const hasCommand = (command: string) =>
  ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((directory) => existsSync(`${directory}/${command}`));

export const ensureSystemPackages = ({
  extra = [],
}: {
  extra?: { command: string; path?: string; pkg: string }[];
} = {}) => {
  const missing = [
    ...Object.entries(requiredCommands)
      .filter(([command]) => !hasCommand(command))
      .map(([, pkg]) => pkg),
    ...extra
      .filter(({ command, path }) => !(path ? existsSync(path) : hasCommand(command)))
      .map(({ pkg }) => pkg),
  ];
  if (missing.length === 0) return;
  console.log(`[kudo] installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env,
  });
};

/** The lab needs root: it creates network namespaces. Explains and exits otherwise. */
export const requireRoot = ({ what }: { what: string }) => {
  if (process.getuid?.() === 0) return;
  console.error(
    `[kudo] ${what} needs root: it creates network namespaces, bridges and iptables rules inside them (never in this machine's own namespace). Run it with sudo.`,
  );
  process.exit(1);
};
