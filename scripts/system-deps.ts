/**
 * The lab needs root: it creates network namespaces. Explains and exits otherwise. (The Debian packages it
 * needs were installed before by scripts/ensure-deps.mjs, from scripts/setup/system-packages.json.)
 */
export const requireRoot = ({ what }: { what: string }) => {
  if (process.getuid?.() === 0) return;
  console.error(
    `[kudo] ${what} needs root: it creates network namespaces, bridges and iptables rules inside them (never in this machine's own namespace). Run it with sudo.`,
  );
  process.exit(1);
};
